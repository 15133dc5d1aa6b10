/// Answers "does any of these positions fall inside this span?" in O(log n),
/// so relating thousands of diagnostics to thousands of syntax errors stays linear-ish.
struct SpanIndex: Sendable {
    private var starts: [FileID: [UInt32]] = [:]

    init(_ spans: [Span]) {
        for span in spans { starts[span.file, default: []].append(span.start) }
        for key in starts.keys { starts[key]?.sort() }
    }

    var isEmpty: Bool { starts.isEmpty }

    /// True when some indexed span starts within `[span.start, span.end]`.
    func hasStart(within span: Span) -> Bool {
        guard let sorted = starts[span.file] else { return false }
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < span.start { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] <= span.end
    }
}

// Human-readable diagnostics in rustc's layout:
//
//   error[E0203]: unknown signal `subjet.kind`
//    --> policies/a.agate:3:8
//     |
//   3 |   when subjet.kind == agent
//     |        ^^^^^^^^^^^
//     |
//     = help: did you mean `subject.kind`?

/// Renders diagnostics as text for a terminal or a log.
public struct TextRenderer: Sendable {
    public var color: Bool
    public init(color: Bool) { self.color = color }

    public func render(_ report: LintReport) -> String {
        var out = ""
        for diagnostic in report.shown {
            out += render(diagnostic, in: report)
            out += "\n"
        }
        if report.notShown > 0 {
            out += "… \(report.notShown) more not shown (raise --max-diagnostics to see them)\n"
        }
        let severity = report.errors > 0 ? "error" : report.warnings > 0 ? "warning" : "ok"
        let style: Style = report.errors > 0 ? .error : report.warnings > 0 ? .warning : .good
        out += paint(severity, style) + paint(": \(report.summary)", .bold) + "\n"
        return out
    }

    /// One diagnostic: header, location arrow, annotated source, help.
    public func render(_ diagnostic: Diagnostic, in report: LintReport) -> String {
        let severity = diagnostic.severity.rawValue
        let style = Style(diagnostic.severity)
        var out = paint("\(severity)[\(diagnostic.code.id)]", style) + paint(": \(diagnostic.message)", .bold) + "\n"
        let primary = report.location(of: diagnostic.span)
        var annotations = [Annotation(span: diagnostic.span, message: nil, primary: true)]
        annotations += diagnostic.labels.map { Annotation(span: $0.span, message: $0.message, primary: false) }
        let lines = annotations.map { report.location(of: $0.span) }
        let width = String(lines.map { max($0.line, $0.endLine) }.max() ?? 1).count
        let gutter = String(repeating: " ", count: width)
        out += "\(gutter)" + paint("-->", .gutter) + " \(primary.path):\(primary.line):\(primary.column)\n"
        let files = [diagnostic.span.file] + diagnostic.labels.map(\.span.file).filter { $0 != diagnostic.span.file }
        var seenFiles = Set<FileID>()
        for file in files where seenFiles.insert(file).inserted {
            let group = annotations.filter { $0.span.file == file }
            if file != diagnostic.span.file, let first = group.first {
                let where_ = report.location(of: first.span)
                out += "\(gutter)" + paint(":::", .gutter) + " \(where_.path):\(where_.line):\(where_.column)\n"
            }
            out += snippet(group, file: report.sources.files.indices.contains(Int(file.raw)) ? report.sources[file] : nil,
                           gutter: width, severity: style)
        }
        if let help = diagnostic.help {
            out += gutter + paint(" |", .gutter) + "\n"
            out += gutter + paint(" = ", .gutter) + paint("help", .bold) + ": \(help)\n"
        }
        return out
    }

    private struct Annotation {
        var span: Span
        var message: String?
        var primary: Bool
    }

    /// The source lines the annotations touch, each followed by its underlines.
    private func snippet(_ annotations: [Annotation], file: SourceFile?, gutter width: Int, severity: Style) -> String {
        guard let file else { return "" }
        let empty = String(repeating: " ", count: width) + paint(" |", .gutter) + "\n"
        var underlines: [Int: [String]] = [:]
        var shownLines = Set<Int>()
        for annotation in annotations {
            let marker: Character = annotation.primary ? "^" : "-"
            let style: Style = annotation.primary ? severity : .gutter
            for piece in pieces(of: annotation.span, in: file) {
                shownLines.insert(piece.line)
                var text = String(repeating: " ", count: piece.fromColumn)
                    + paint(String(repeating: marker, count: max(1, piece.toColumn - piece.fromColumn)), style)
                if piece.isLast, let message = annotation.message { text += " " + paint(message, style) }
                underlines[piece.line, default: []].append(text)
            }
        }
        var out = empty
        var previous: Int?
        for line in shownLines.sorted() {
            if let previous, line > previous + 1 { out += paint("...", .gutter) + "\n" }
            let number = String(line)
            out += String(repeating: " ", count: width - number.count) + paint(number + " |", .gutter)
            out += " " + displayLine(file, line) + "\n"
            for underline in underlines[line] ?? [] {
                out += String(repeating: " ", count: width) + paint(" |", .gutter) + " " + underline + "\n"
            }
            previous = line
        }
        return out
    }

    private struct Piece {
        var line: Int
        var fromColumn: Int
        var toColumn: Int
        var isLast: Bool
    }

    /// A span cut into its first and last line (multi-line spans underline the
    /// rest of the first line and the start of the last), in display columns.
    private func pieces(of span: Span, in file: SourceFile) -> [Piece] {
        var end = span.end
        // A span ending right after a newline ends on the previous line.
        if end > span.start, Int(end) <= file.bytes.count, file.bytes[Int(end) - 1] == UInt8(ascii: "\n") { end -= 1 }
        let start = file.location(of: span.start)
        let stop = file.location(of: end)
        let startColumn = displayColumn(file, line: start.line, scalarColumn: start.column)
        if start.line == stop.line {
            let stopColumn = displayColumn(file, line: stop.line, scalarColumn: stop.column)
            return [Piece(line: start.line, fromColumn: startColumn, toColumn: stopColumn, isLast: true)]
        }
        let firstWidth = displayLine(file, start.line).unicodeScalars.count
        let lastLine = displayLine(file, stop.line)
        let indent = lastLine.prefix { $0 == " " }.count
        let stopColumn = displayColumn(file, line: stop.line, scalarColumn: stop.column)
        return [Piece(line: start.line, fromColumn: startColumn, toColumn: max(firstWidth, startColumn + 1), isLast: false),
                Piece(line: stop.line, fromColumn: min(indent, max(0, stopColumn - 1)), toColumn: stopColumn, isLast: true)]
    }

    /// A source line as printed: tabs expanded to four spaces, invalid UTF-8 repaired.
    private func displayLine(_ file: SourceFile, _ line: Int) -> String {
        String(decoding: file.lineBytes(line), as: UTF8.self).replacingTabs()
    }

    /// 0-based display column of a 1-based scalar column (tabs count four).
    private func displayColumn(_ file: SourceFile, line: Int, scalarColumn: Int) -> Int {
        let text = String(decoding: file.lineBytes(line), as: UTF8.self)
        var column = 0
        for (index, scalar) in text.unicodeScalars.enumerated() {
            guard index < scalarColumn - 1 else { break }
            column += scalar == "\t" ? 4 : 1
        }
        return column + max(0, scalarColumn - 1 - text.unicodeScalars.count)
    }

    // MARK: colour

    enum Style {
        case error, warning, note, good, bold, gutter
        init(_ severity: Severity) {
            switch severity {
            case .error: self = .error
            case .warning: self = .warning
            case .note: self = .note
            }
        }
        var code: String {
            switch self {
            case .error: "\u{1B}[1;31m"
            case .warning: "\u{1B}[1;33m"
            case .note: "\u{1B}[1;36m"
            case .good: "\u{1B}[1;32m"
            case .bold: "\u{1B}[1m"
            case .gutter: "\u{1B}[1;34m"
            }
        }
    }

    func paint(_ text: String, _ style: Style) -> String {
        color ? style.code + text + "\u{1B}[0m" : text
    }
}

extension String {
    /// Tabs as four spaces so carets line up.
    func replacingTabs() -> String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar == "\t" { out += "    " } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }
}

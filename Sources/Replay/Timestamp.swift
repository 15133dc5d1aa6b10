import PolicyVM

/// RFC 3339 timestamps (`2026-11-20T14:03:00Z`, `…T14:03:00.123+01:00`) to
/// seconds since the epoch, on raw bytes: a log line's `time` is the replay's
/// clock for that request. The request decoder's parser, so a `time` means
/// the same in a log line as in a request.
enum Timestamp {
    static func parse(_ p: UnsafeRawBufferPointer, _ span: ByteSpan) -> Int64? {
        guard let base = p.baseAddress, span.isPresent, span.start >= 0, span.end <= p.count else { return nil }
        return Timestamps.parse(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self) + span.start,
                                                    count: span.count))
    }
}

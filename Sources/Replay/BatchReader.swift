import Foundation

/// Cuts the logs into batches of whole lines. Runs on its own thread; blocks
/// when every pool buffer is in flight, which is what keeps memory flat.
struct BatchReader {
    let paths: [String]
    let pool: CancellablePool
    let work: BlockingQueue<LineBatch>
    let maxLineBytes: Int

    /// Reads every log in order. Returns the first I/O error; batches already
    /// queued stay valid, nothing after the error is read.
    func run() -> LogInputError? {
        var index = 0
        for (source, path) in paths.enumerated() {
            do {
                let input = try LogInput(path: path)
                try read(input, source: source, index: &index)
            } catch {
                return error
            }
        }
        return nil
    }

    private func read(_ input: LogInput, source: Int, index: inout Int) throws(LogInputError) {
        guard var buffer = pool.pop() else { return }
        var skippingOversized = false
        while true {
            if buffer.count == buffer.capacity {
                if buffer.capacity < maxLineBytes {
                    buffer.grow(to: min(buffer.capacity * 2, maxLineBytes))
                } else {
                    // One line fills the largest buffer: report it once, drop the rest of it.
                    if !skippingOversized {
                        guard let marker = pool.pop() else { return }
                        marker.count = 0
                        work.push(LineBatch(index: index, source: source, buffer: marker,
                                            oversizedLine: true, consumed: input.consumed))
                        index += 1
                        skippingOversized = true
                    }
                    buffer.count = 0
                }
            }
            let free = UnsafeMutableRawBufferPointer(rebasing: buffer.bytes[buffer.count...])
            let n = try input.read(into: free)
            if n == 0 { break }
            let start = buffer.count
            buffer.count += n
            if skippingOversized {
                guard let newline = Self.firstNewline(buffer.bytes, from: start, to: buffer.count) else {
                    buffer.count = 0
                    continue
                }
                let rest = buffer.count - (newline + 1)
                if rest > 0 {
                    buffer.bytes.baseAddress!.copyMemory(from: buffer.bytes.baseAddress! + newline + 1, byteCount: rest)
                }
                buffer.count = rest
                skippingOversized = false
                continue
            }
            guard buffer.count >= buffer.defaultCapacity / 2 || buffer.count == buffer.capacity,
                  let cut = Self.lastNewline(buffer.bytes, to: buffer.count)
            else { continue }
            guard let next = pool.pop() else { return }
            let tail = buffer.count - (cut + 1)
            if next.capacity < tail { next.grow(to: tail) }
            next.count = tail
            if tail > 0 {
                next.bytes.baseAddress!.copyMemory(from: buffer.bytes.baseAddress! + cut + 1, byteCount: tail)
            }
            buffer.count = cut + 1
            work.push(LineBatch(index: index, source: source, buffer: buffer, consumed: input.consumed))
            index += 1
            buffer = next
        }
        if buffer.count > 0 && !skippingOversized {
            // The last line may lack its newline; it is still a line.
            work.push(LineBatch(index: index, source: source, buffer: buffer, consumed: input.consumed))
            index += 1
        } else {
            buffer.count = 0
            pool.push(buffer)
        }
    }

    static func lastNewline(_ bytes: UnsafeMutableRawBufferPointer, to end: Int) -> Int? {
        var i = end - 1
        while i >= 0 {
            if bytes[i] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    static func firstNewline(_ bytes: UnsafeMutableRawBufferPointer, from start: Int, to end: Int) -> Int? {
        guard end > start, let found = memchr(bytes.baseAddress! + start, 0x0A, end - start) else { return nil }
        return bytes.baseAddress!.distance(to: found)
    }
}

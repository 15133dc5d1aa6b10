import Foundation

/// Writes files that hold secrets: created with mode 0600 from the first
/// byte (never world-readable, not even for an instant, whatever the umask).
public enum PrivateFile {
    /// Creates or replaces `path` with `data`; `false` when it cannot.
    @discardableResult
    public static func write(_ data: Data, to path: String) -> Bool {
        _ = unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            var offset = 0
            while offset < buffer.count {
                let count = Foundation.write(descriptor, base + offset, buffer.count - offset)
                if count <= 0 { return -1 }
                offset += count
            }
            return offset
        }
        return written == data.count && fsync(descriptor) == 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the server cannot take its socket path.
public struct SocketFileError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// Preparing, protecting and removing the listening socket's file.
enum SocketFile {
    /// Makes `path` free to bind: a stale socket file (nobody accepts on it) is
    /// removed; a live server, or a file that is not a socket, is left alone
    /// and reported.
    static func prepare(_ path: String) throws(SocketFileError) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return }
        guard status.st_mode & S_IFMT == S_IFSOCK else {
            throw SocketFileError(description: "`\(path)` exists and is not a socket; refusing to replace it")
        }
        if Self.isLive(path) {
            throw SocketFileError(description: "another server is already listening on `\(path)`; stop it first or choose another --socket")
        }
        guard unlink(path) == 0 || errno == ENOENT else {
            throw SocketFileError(description: "cannot remove stale socket `\(path)`: \(String(cString: strerror(errno)))")
        }
    }

    /// True when a process accepts connections on the socket at `path`.
    static func isLive(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }

    /// Runs `body` (the bind) with a umask that creates the socket with `mode`,
    /// so there is no window in which it has wider permissions.
    static func withCreationMode<T>(_ mode: UInt32, _ body: () async throws -> T) async rethrows -> T {
        let previous = umask(mode_t(0o777 & ~mode))
        defer { umask(previous) }
        return try await body()
    }

    static func setMode(_ path: String, _ mode: UInt32) throws(SocketFileError) {
        guard chmod(path, mode_t(mode)) == 0 else {
            throw SocketFileError(description: "cannot set mode of `\(path)`: \(String(cString: strerror(errno)))")
        }
    }

    static func remove(_ path: String) {
        _ = unlink(path)
    }
}

import Foundation

/// Locates and launches the built `agate` executable for end-to-end tests.
///
/// The binary is looked up in `AGATE_BINARY`, then beside the test bundle
/// (SwiftPM puts every product of a build in one directory), then in
/// `.build/debug` and `.build/release` of the package.
struct AgateBinary {
    /// The finished run of a command.
    struct Completed {
        var status: Int32
        var stdout: Data
        var stderr: String
        var output: String { String(decoding: self.stdout, as: UTF8.self) }
    }

    enum Failure: Error, CustomStringConvertible {
        case binaryNotFound([String])
        case timedOut([String])

        var description: String {
            switch self {
            case .binaryNotFound(let tried): "the `agate` binary was not found; build it first (tried \(tried.joined(separator: ", ")))"
            case .timedOut(let arguments): "`agate \(arguments.joined(separator: " "))` did not finish in time"
            }
        }
    }

    static func executable() throws -> URL {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["AGATE_BINARY"] { candidates.append(explicit) }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On macOS the test binary sits inside an .xctest bundle.
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("agate").path)
            directory = directory.deletingLastPathComponent()
        }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(package.appendingPathComponent(".build/debug/agate").path)
        candidates.append(package.appendingPathComponent(".build/release/agate").path)
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue {
                return URL(fileURLWithPath: candidate)
            }
        }
        throw Failure.binaryNotFound(candidates)
    }

    /// Starts `agate arguments…` with its output captured.
    static func launch(_ arguments: [String]) throws -> Running {
        let process = Process()
        process.executableURL = try self.executable()
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let running = Running(process: process, stdout: stdout, stderr: stderr)
        try process.run()
        return running
    }

    /// Runs `agate arguments…` to completion, feeding `input` on stdin.
    static func run(_ arguments: [String], input: Data? = nil, timeout: TimeInterval = 30) throws -> Completed {
        let process = Process()
        process.executableURL = try self.executable()
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        let collector = Running(process: process, stdout: stdout, stderr: stderr)
        try process.run()
        if let input {
            Self.feed(input, to: stdin.fileHandleForWriting)
        }
        guard let status = collector.waitForExit(timeout: timeout) else {
            process.terminate()
            throw Failure.timedOut(arguments)
        }
        return Completed(status: status, stdout: collector.stdoutData, stderr: collector.stderrText)
    }

    /// Writes all of `data` to a child's stdin and closes it. `FileHandle.write`
    /// gives up silently when a signal interrupts it (a child ending elsewhere
    /// in a parallel run), so the child would read a truncated input.
    static func feed(_ data: Data, to handle: FileHandle) {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(handle.fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
        }
        try? handle.close()
    }

    /// A launched process whose output is collected in the background.
    final class Running: @unchecked Sendable {
        let process: Process
        private let lock = NSLock()
        private var out = Data()
        private var err = Data()
        /// The pipes stay open while their reader threads run.
        private let pipes: (Pipe, Pipe)
        /// Left by each reader at its pipe's end of file: all the process wrote is in.
        private let drained = DispatchGroup()

        init(process: Process, stdout: Pipe, stderr: Pipe) {
            self.process = process
            self.pipes = (stdout, stderr)
            // Plain threads with blocking reads: the dispatch-based
            // readability handlers crashed libdispatch once under load.
            self.read(stdout.fileHandleForReading.fileDescriptor, isStdout: true)
            self.read(stderr.fileHandleForReading.fileDescriptor, isStdout: false)
        }

        private func read(_ descriptor: Int32, isStdout: Bool) {
            self.drained.enter()
            let thread = Thread { [self] in
                var chunk = [UInt8](repeating: 0, count: 65536)
                while true {
                    let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
                    if count < 0, errno == EINTR { continue }
                    if count <= 0 { break }
                    let bytes = chunk[0..<count]
                    self.lock.withLock {
                        if isStdout { self.out.append(contentsOf: bytes) } else { self.err.append(contentsOf: bytes) }
                    }
                }
                self.drained.leave()
            }
            thread.start()
        }

        var stdoutData: Data { self.lock.withLock { self.out } }
        var stderrText: String { String(decoding: self.lock.withLock { self.err }, as: UTF8.self) }
        var pid: Int32 { self.process.processIdentifier }

        func signal(_ number: Int32) {
            Glibc.kill(self.process.processIdentifier, number)
        }

        /// The exit status, or nil if still running after `timeout` seconds.
        func waitForExit(timeout: TimeInterval) -> Int32? {
            let deadline = Date().addingTimeInterval(timeout)
            while self.process.isRunning {
                if Date() > deadline { return nil }
                Thread.sleep(forTimeInterval: 0.01)
            }
            // Wait for both pipes' end of file, so what the process wrote last
            // is in (a fixed pause lost output on a loaded machine). Bounded:
            // a child spawned meanwhile elsewhere may hold a copy of a pipe.
            _ = self.drained.wait(timeout: .now() + 10)
            return self.process.terminationStatus
        }

        /// Stops the process if a test left it running.
        func kill() {
            if self.process.isRunning {
                self.signal(SIGKILL)
                _ = self.waitForExit(timeout: 5)
            }
        }
    }
}

/// A fresh directory under /tmp (short, so socket paths stay under 108 bytes).
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/agate-test-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        self.path = String(cString: created)
    }

    func file(_ name: String) -> String { "\(self.path)/\(name)" }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: self.file(name), atomically: true, encoding: .utf8)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: self.path)
    }
}

/// A real `agate serve` in a temporary directory, for end-to-end tests.
final class ServerUnderTest: @unchecked Sendable {
    let directory: TemporaryDirectory
    let socket: String
    let decisionLog: String
    let policies: String
    let process: AgateBinary.Running

    /// Writes `policyFiles` to a `policies/` folder and starts the server on them;
    /// returns once the socket accepts connections.
    static func start(policyFiles: [String: String], arguments: [String] = [], withLog: Bool = true) throws -> ServerUnderTest {
        let directory = try TemporaryDirectory()
        let policies = directory.file("policies")
        try FileManager.default.createDirectory(atPath: policies, withIntermediateDirectories: true)
        for (name, text) in policyFiles { try directory.write("policies/\(name)", text) }
        let socket = directory.file("agate.sock")
        let log = directory.file("decisions.jsonl")
        var all = ["serve", "--policies", policies, "--socket", socket, "--log-level", "warning"]
        if withLog { all += ["--decision-log", log] }
        let process = try AgateBinary.launch(all + arguments)
        let server = ServerUnderTest(directory: directory, socket: socket, decisionLog: log, policies: policies, process: process)
        try server.waitUntilListening()
        return server
    }

    private init(directory: TemporaryDirectory, socket: String, decisionLog: String, policies: String, process: AgateBinary.Running) {
        self.directory = directory
        self.socket = socket
        self.decisionLog = decisionLog
        self.policies = policies
        self.process = process
    }

    private func waitUntilListening() throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !self.process.process.isRunning {
                throw ServerFailure(message: "agate serve exited: \(self.process.stderrText)")
            }
            if let socket = try? RawSocket(path: self.socket) {
                socket.close()
                return
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        self.process.kill()
        throw ServerFailure(message: "agate serve did not start listening: \(self.process.stderrText)")
    }

    /// SIGTERM, then the exit status (nil when it did not exit within `timeout`).
    func stop(timeout: TimeInterval = 15) -> Int32? {
        self.process.signal(SIGTERM)
        let status = self.process.waitForExit(timeout: timeout)
        if status == nil { self.process.kill() }
        return status
    }

    /// Stops the server if still running and removes the directory.
    func cleanUp() {
        self.process.kill()
        self.directory.remove()
    }

    struct ServerFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { self.message }
    }
}

/// A blocking Unix-socket client for the hostile cases the real client avoids.
struct RawSocket {
    let descriptor: Int32

    /// Calls `body` with `path` as a `sockaddr_un` (for `connect` or `bind`).
    static func withAddress(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    init(path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        let result = RawSocket.withAddress(path) { connect(descriptor, $0, $1) }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
        self.descriptor = descriptor
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sendTimeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends everything; false when the peer stopped taking bytes (1 s send timeout).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // A child process ending elsewhere in the run interrupts the call with SIGCHLD: retry.
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { self.send(Array(text.utf8)) }

    /// Reads until `lines` newlines or end of stream (or the 10 s receive timeout).
    func readLines(_ lines: Int) -> [String] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while data.count(where: { $0 == UInt8(ascii: "\n") }) < lines {
            let count = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// True when the server has closed the connection (reads end of stream).
    func readsEndOfStream() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    func close() { Glibc.close(self.descriptor) }
}

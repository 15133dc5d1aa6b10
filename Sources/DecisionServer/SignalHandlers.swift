import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM/SIGINT → graceful shutdown, SIGHUP → reload.
final class SignalHandlers: @unchecked Sendable {
    // Dispatch sources are thread-safe; they are only created and cancelled here.
    private var sources: [any DispatchSourceSignal] = []

    init(server: DecisionServer) {
        let queue = DispatchQueue(label: "agate.signals")
        for (number, action) in [(SIGTERM, "stop"), (SIGINT, "stop"), (SIGHUP, "reload")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            if action == "stop" {
                source.setEventHandler { server.shutdown() }
            } else {
                source.setEventHandler { server.reload(trigger: "signal") }
            }
            source.resume()
            self.sources.append(source)
        }
    }

    func cancel() {
        for source in self.sources { source.cancel() }
        for number in [SIGTERM, SIGINT, SIGHUP] { signal(number, SIG_DFL) }
    }
}

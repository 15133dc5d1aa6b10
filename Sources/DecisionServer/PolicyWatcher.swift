import Foundation

/// `--watch`: polls the policy files once a second and reloads when any
/// `*.agate` file is added, removed, or changes size or modification time.
final class PolicyWatcher: Sendable {
    private let task: Task<Void, Never>

    init(paths: [String], store: PolicyStore, interval: Duration = .seconds(1)) {
        self.task = Task.detached {
            var last = Self.fingerprint(paths)
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                let current = Self.fingerprint(paths)
                if current != last {
                    last = current
                    store.reload(trigger: "watch")
                }
            }
        }
    }

    func stop() {
        self.task.cancel()
    }

    /// Path, size and modification time of every policy file under `paths`.
    static func fingerprint(_ paths: [String]) -> [String] {
        let manager = FileManager.default
        var entries: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                entries.append("\(path) missing")
                continue
            }
            let files = isDirectory.boolValue
                ? ((try? manager.contentsOfDirectory(atPath: path)) ?? [])
                    .filter { $0.hasSuffix(".agate") }.sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                let attributes = (try? manager.attributesOfItem(atPath: file)) ?? [:]
                let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                entries.append("\(file) \(size) \(modified)")
            }
        }
        return entries
    }
}

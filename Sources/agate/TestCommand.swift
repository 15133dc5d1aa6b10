import ArgumentParser
import Foundation
import PolicyVM

/// `agate test`: run policy test files (`*.test.json`, see docs/testing.md).
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run policy test cases: requests with their expected answers.",
        discussion: "Exit 0 when every case passes, 1 when a case fails or its policies do not load, 2 on usage or I/O errors."
    )

    @Argument(help: "Test files, or folders searched for *.test.json (default: policies/).")
    var paths: [String] = []

    func run() throws {
        let files: [String]
        do { files = try TestCommand.discover(paths.isEmpty ? ["policies"] : paths) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        guard !files.isEmpty else {
            FileHandle.standardError.write(Data("error: no *.test.json files found\n".utf8))
            throw ExitCode(2)
        }
        var passed = 0, failed = 0, broken = 0
        var loaded: [String: CompiledPolicySet] = [:]
        for path in files {
            let file: PolicyTestFile
            do { file = try PolicyTestFile.load(path: path) } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                broken += 1
                continue
            }
            print(path)
            guard let policySet = loaded[file.policies] ?? PolicyLoading.load(file.policies) else {
                print("  ✗ the policies in `\(file.policies)` do not load; \(file.cases.count) cases not run")
                failed += file.cases.count
                continue
            }
            loaded[file.policies] = policySet
            for result in file.run(policySet) {
                if result.passed {
                    passed += 1
                    print("  ✓ \(result.name)")
                } else {
                    failed += 1
                    print("  ✗ \(result.name)")
                    for mismatch in result.mismatches {
                        print("      \(mismatch.field):")
                        print("        expected \(mismatch.expected)")
                        print("        got      \(mismatch.got)")
                    }
                }
            }
        }
        print("\n\(passed) passed, \(failed) failed" + (broken > 0 ? ", \(broken) unreadable test files" : "")
              + " (\(files.count) files)")
        if broken > 0 { throw ExitCode(2) }
        if failed > 0 { throw ExitCode(1) }
    }

    /// Test files under the given files and folders, sorted.
    static func discover(_ paths: [String]) throws -> [String] {
        var found: [String] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw ValidationError("`\(path)`: no such file or folder")
            }
            if isFolder.boolValue {
                let names = FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []
                found += names.filter { $0.hasSuffix(".test.json") }.map { (path as NSString).appendingPathComponent($0) }
            } else {
                found.append(path)
            }
        }
        return Array(Set(found)).sorted()
    }
}

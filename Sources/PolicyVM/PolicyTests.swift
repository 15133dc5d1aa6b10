import Foundation
import PolicyLanguage

/// A policy test file (`*.test.json`, documented in docs/testing.md): which
/// policies, an optional clock, and cases of request + expected answer fields.
public struct PolicyTestFile: Sendable {
    public struct Case: Sendable {
        public var name: String
        /// The request JSON, serialised compactly.
        public var request: [UInt8]
        public var now: Int64?
        /// Only the fields present are compared.
        var expect: [(String, JSONValue)]
    }

    public var path: String
    /// The policy file or folder, resolved against the test file's folder.
    public var policies: String
    public var now: Int64?
    public var cases: [Case]

    /// Reads and validates a test file; the error says what is wrong and where.
    public static func load(path: String) throws(PolicyTestError) -> PolicyTestFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyTestError("\(path): cannot read the file")
        }
        let root: JSONValue
        do { root = try JSONValue.parse(Array(data)) } catch {
            throw PolicyTestError("\(path): not valid JSON: \(error)")
        }
        guard case .object = root else { throw PolicyTestError("\(path): a test file must be a JSON object") }
        let folder = (path as NSString).deletingLastPathComponent
        let relative = root["policies"]?.stringValue ?? "."
        let policies = relative.hasPrefix("/") ? relative
            : ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(relative)
        let now = try clock(root["now"], "\(path): `now`")
        guard let items = root["cases"]?.arrayValue, !items.isEmpty else {
            throw PolicyTestError("\(path): `cases` must be a non-empty array")
        }
        var cases: [Case] = []
        for (i, item) in items.enumerated() {
            let label = "\(path): case \(i + 1)"
            guard let name = item["name"]?.stringValue else { throw PolicyTestError("\(label): `name` is required") }
            guard let request = item["request"] else { throw PolicyTestError("\(label) `\(name)`: `request` is required") }
            guard case .object(let expect) = item["expect"] ?? .null else {
                throw PolicyTestError("\(label) `\(name)`: `expect` must be an object")
            }
            let known: Set<String> = ["decision", "policies", "reasons", "controls", "report_only", "errors", "warnings"]
            for (key, _) in expect where !known.contains(key) {
                throw PolicyTestError("\(label) `\(name)`: unknown expectation `\(key)`")
            }
            guard expect.contains(where: { $0.0 == "decision" }) else {
                throw PolicyTestError("\(label) `\(name)`: `expect.decision` is required")
            }
            cases.append(Case(name: name, request: request.serialized(),
                              now: try clock(item["now"], "\(label): `now`"), expect: expect))
        }
        return PolicyTestFile(path: path, policies: policies, now: now, cases: cases)
    }

    private static func clock(_ value: JSONValue?, _ label: String) throws(PolicyTestError) -> Int64? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue, let seconds = Timestamps.parse(text) else {
            throw PolicyTestError("\(label) must be an RFC 3339 timestamp")
        }
        return seconds
    }

    /// Runs every case; each result lists the mismatching fields (empty = pass).
    public func run(_ policySet: CompiledPolicySet) -> [PolicyTestResult] {
        var evaluator = Evaluator(policySet)
        return cases.map { test in
            // Without a clock the tests would depend on the day they run: default to a fixed Monday noon UTC.
            _ = evaluator.decide(json: test.request, now: test.now ?? now ?? 1_795_435_200)
            let answer = evaluator.answer()
            let got = (try? JSONValue.parse(Array(answer.json().utf8))) ?? .null
            var failures: [PolicyTestMismatch] = []
            for (field, expected) in test.expect {
                let actual = got[field] ?? .null
                if !PolicyTestFile.matches(expected, actual, field: field) {
                    failures.append(PolicyTestMismatch(field: field, expected: String(decoding: expected.serialized(), as: UTF8.self),
                                                       got: String(decoding: actual.serialized(), as: UTF8.self)))
                }
            }
            return PolicyTestResult(name: test.name, mismatches: failures)
        }
    }

    /// Equality, except that an expected error only compares the members it lists.
    static func matches(_ expected: JSONValue, _ actual: JSONValue, field: String) -> Bool {
        guard field == "errors", case .array(let want) = expected, case .array(let have) = actual else {
            return expected == actual
        }
        guard want.count == have.count else { return false }
        for (w, h) in zip(want, have) {
            guard case .object(let members) = w else { return false }
            for (key, value) in members where h[key] != value { return false }
        }
        return true
    }
}

/// One case's outcome.
public struct PolicyTestResult: Sendable {
    public var name: String
    public var mismatches: [PolicyTestMismatch]
    public var passed: Bool { mismatches.isEmpty }
}

/// A field whose expected and actual JSON differ.
public struct PolicyTestMismatch: Sendable, Equatable {
    public var field: String
    public var expected: String
    public var got: String
}

/// A test file that cannot be read or is malformed.
public struct PolicyTestError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

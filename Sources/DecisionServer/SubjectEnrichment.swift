import Foundation
import Identity
import PolicyLanguage
import PolicyVM
import Tokens

/// Replaces the subject a caller sent with the identity store's record.
///
/// Only agents must be registered: a subject of kind `agent` is looked up by
/// its `id`, and its blueprint, sponsor, groups, attributes and creation time
/// come from the record, whatever the caller claimed. Only the caller's
/// `subject.risk` is kept, since the store holds no risk. Users, workloads and
/// services pass through as sent. This runs only when the server has a store,
/// so the plain evaluate path stays allocation-free.
enum SubjectEnrichment {
    enum Outcome {
        /// Not an agent, or not a request the evaluator would accept: decide it as sent.
        case asSent
        /// The request with the record's subject in place of the caller's.
        case rewritten([UInt8])
        /// Two `subject` members: refused rather than guessing which one the evaluator reads.
        case duplicateSubject
        /// Unknown, disabled or expired agent, or a disabled blueprint.
        case denied(DenialReason)
    }

    static func enrich(_ request: UnsafeRawBufferPointer, store: IdentityStore, now: Int64,
                       cache: inout SubjectJSONCache) -> Outcome {
        let range: Range<Int>
        switch locateSubject(in: request) {
        case .absent: return .asSent
        case .duplicate: return .duplicateSubject
        case .object(let found): range = found
        }
        guard let sent = try? JSONSerialization.jsonObject(with: Data(request[range])) as? [String: Any],
              sent["kind"] as? String == SubjectKind.agent.name,
              let id = sent["id"] as? String
        else { return .asSent }
        switch store.resolveSubject(id: id, at: now) {
        case .denied(let reason):
            return .denied(reason)
        case .active(var subject):
            if let risk = (sent["risk"] as? String).flatMap({ name in RiskLevel.allCases.first { $0.name == name } }) {
                subject.risk = risk
            }
            guard let replacement = cache.json(of: subject, now: now, render: json(of:now:)) else { return .asSent }
            var rewritten = [UInt8](request[..<range.lowerBound])
            rewritten.append(contentsOf: replacement)
            rewritten.append(contentsOf: request[range.upperBound...])
            return .rewritten(rewritten)
        }
    }

    /// The subject's JSON in the request contract's form (the contract writer
    /// is `Request.json()`; the subject is cut out of a request built around it).
    private static func json(of subject: Request.Subject, now: Int64) -> [UInt8]? {
        guard let ip = RequestJSONIP.parse("127.0.0.1") else { return nil }
        let text = Array(Request(subject: subject, audience: "", ip: ip, time: now).json().utf8)
        return text.withUnsafeBytes { bytes -> [UInt8]? in
            guard case .object(let range) = locateSubject(in: bytes) else { return nil }
            return Array(bytes[range])
        }
    }

    /// The JSON of recently resolved subjects. The record is still read on
    /// every request (a change takes effect at once); only rendering it again
    /// when it has not changed is saved — that rendering cost as much as the read.
    struct SubjectJSONCache {
        private var entries: [String: (subject: Request.Subject, json: [UInt8])] = [:]
        private static let capacity = 1024

        mutating func json(of subject: Request.Subject, now: Int64,
                           render: (Request.Subject, Int64) -> [UInt8]?) -> [UInt8]? {
            if let entry = self.entries[subject.id], entry.subject == subject { return entry.json }
            guard let json = render(subject, now) else { return nil }
            if self.entries.count >= Self.capacity { self.entries.removeAll(keepingCapacity: true) }
            self.entries[subject.id] = (subject, json)
            return json
        }
    }

    enum Located: Equatable {
        /// No `subject` object (or not an object request): the evaluator refuses it.
        case absent
        case object(Range<Int>)
        case duplicate
    }

    /// Where the top-level `subject` member's value is, when it is an object.
    static func locateSubject(in request: UnsafeRawBufferPointer) -> Located {
        var scanner = JSONValidator(request)
        do throws(JSONSyntaxError) {
            scanner.skipWhitespace()
            try scanner.expect(UInt8(ascii: "{"), "expected an object")
            scanner.skipWhitespace()
            if !scanner.atEnd, scanner.current == UInt8(ascii: "}") { return .absent }
            var found: Range<Int>?
            repeat {
                scanner.skipWhitespace()
                guard !scanner.atEnd, scanner.current == UInt8(ascii: "\"") else { return .absent }
                let keyStart = scanner.index + 1
                let escaped = try scanner.skipString()
                let key = UnsafeRawBufferPointer(rebasing: request[keyStart..<(scanner.index - 1)])
                try scanner.expect(UInt8(ascii: ":"), "expected `:`")
                scanner.skipWhitespace()
                let start = scanner.index
                try scanner.skipValue()
                if !escaped, key.elementsEqual("subject".utf8) {
                    guard found == nil else { return .duplicate }
                    guard request[start] == UInt8(ascii: "{") else { return .absent }
                    found = start..<scanner.index
                }
            } while try !scanner.endOfMembers(closer: UInt8(ascii: "}"))
            return found.map(Located.object) ?? .absent
        } catch {
            return .absent
        }
    }
}

import Foundation

/// The `--fail-on` gate for CI: which kinds of change fail the run, and how
/// many of them (all listed kinds together) are tolerated.
public struct FailOn: Sendable, Equatable {
    public var kinds: Set<ChangeKind>
    /// Changes up to this many pass.
    public var tolerance: Int

    public init(kinds: Set<ChangeKind>, tolerance: Int = 0) {
        self.kinds = kinds
        self.tolerance = tolerance
    }

    /// Parses `allow-to-deny,deny-to-allow,controls,any`; nil names the first unknown word.
    public static func parse(_ list: String, tolerance: Int) -> Result<FailOn, FailOnError> {
        var kinds: Set<ChangeKind> = []
        for word in list.split(separator: ",", omittingEmptySubsequences: false) {
            let name = word.trimmingCharacters(in: .whitespaces)
            if name == "any" {
                kinds.formUnion(ChangeKind.allCases)
            } else if let kind = ChangeKind.allCases.first(where: { $0.name == name }) {
                kinds.insert(kind)
            } else {
                return .failure(FailOnError(word: name))
            }
        }
        return .success(FailOn(kinds: kinds, tolerance: tolerance))
    }

    /// The number of changes that count against the gate.
    public func counted(in report: ReplayReport) -> Int { report.count(of: kinds) }

    public func trips(_ report: ReplayReport) -> Bool { counted(in: report) > tolerance }
}

/// An unknown word in `--fail-on`.
public struct FailOnError: Error, Sendable, Equatable {
    public var word: String
    public var message: String {
        "unknown kind of change `\(word)` in --fail-on; expected allow-to-deny, deny-to-allow, controls or any"
    }
}

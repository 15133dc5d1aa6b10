import PolicyLanguage
@testable import PolicyVM

/// Hand-built checked policies and requests for the VM's tests.
enum T {
    static let span = Span(file: FileID(0), start: 0, end: 0)

    static func sig(_ s: Signal) -> TypedExpr { TypedExpr(.signal(s), type: s.info.type, span: span) }
    static func k(_ v: Value, _ type: ValueType) -> TypedExpr { TypedExpr(.constant(v), type: type, span: span) }
    static func str(_ s: String) -> TypedExpr { k(.string(s), .string) }
    static func int(_ v: Int64) -> TypedExpr { k(.int(v), .int) }
    static func bool(_ b: Bool) -> TypedExpr { k(.bool(b), .bool) }
    static func strings(_ items: [String]) -> TypedExpr { k(.set(items.map(Value.string), elementType: .string), .set(.string)) }
    static func dyn(_ root: DynamicRoot, _ name: String, _ type: ValueType) -> TypedExpr {
        TypedExpr(.dynamic(root, name: name), type: type, span: span)
    }
    static func variable(_ slot: Int, _ type: ValueType = .string) -> TypedExpr {
        TypedExpr(.variable(slot: slot), type: type, span: span)
    }
    static func cmp(_ op: CompareOperator, _ a: TypedExpr, _ b: TypedExpr) -> TypedExpr {
        TypedExpr(.compare(op, a, b), type: .bool, span: span)
    }
    static func eq(_ a: TypedExpr, _ b: TypedExpr) -> TypedExpr { cmp(.equal, a, b) }
    static func member(_ e: TypedExpr, _ s: TypedExpr, negated: Bool = false) -> TypedExpr {
        TypedExpr(.member(element: e, set: s, negated: negated), type: .bool, span: span)
    }
    static func and(_ xs: TypedExpr...) -> TypedExpr { TypedExpr(.and(xs), type: .bool, span: span) }
    static func or(_ xs: TypedExpr...) -> TypedExpr { TypedExpr(.or(xs), type: .bool, span: span) }
    static func not(_ x: TypedExpr) -> TypedExpr { TypedExpr(.not(x), type: .bool, span: span) }
    static func has(_ s: Signal) -> TypedExpr { TypedExpr(.has(.signal(s)), type: .bool, span: span) }
    static func like(_ e: TypedExpr, _ p: String) -> TypedExpr { TypedExpr(.like(e, pattern: p), type: .bool, span: span) }
    static func matches(_ e: TypedExpr, _ p: String, _ flags: String = "") -> TypedExpr {
        TypedExpr(.matches(e, RegexLiteral(pattern: p, flags: flags)), type: .bool, span: span)
    }
    static func any(_ slot: Int, _ source: TypedExpr, _ body: TypedExpr) -> TypedExpr {
        TypedExpr(.quantified(.any, slot: slot, source: source, body: body), type: .bool, span: span)
    }
    static func all(_ slot: Int, _ source: TypedExpr, _ body: TypedExpr) -> TypedExpr {
        TypedExpr(.quantified(.all, slot: slot, source: source, body: body), type: .bool, span: span)
    }
    static func risk(_ r: RiskLevel) -> TypedExpr { k(.risk(r), .riskLevel) }
    static func kind(_ kind: SubjectKind) -> TypedExpr { k(.kind(kind), .subjectKind) }

    /// An IPv4 CIDR; the prefix is stored on the 128-bit form, as the front end does.
    static func cidr(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ prefix: UInt8) -> CIDR {
        let v4 = UInt64(a) << 24 | UInt64(b) << 16 | UInt64(c) << 8 | UInt64(d)
        return CIDR(address: IPAddress(high: 0, low: 0x0000_FFFF_0000_0000 | v4, isV4: true), prefix: prefix + 96)
    }

    static func policy(_ name: String, _ mode: PolicyMode, targets: [TypedExpr] = [],
                       when condition: TypedExpr? = nil, _ effect: CheckedEffect) -> CheckedPolicy {
        CheckedPolicy(name: name, description: nil, mode: mode, targets: targets, condition: condition,
                      effect: effect, span: span)
    }

    static func policy(_ name: String, targets: [TypedExpr] = [], when condition: TypedExpr? = nil,
                       _ effect: CheckedEffect) -> CheckedPolicy {
        policy(name, .enforce, targets: targets, when: condition, effect)
    }

    static func allow(_ controls: Controls = Controls()) -> CheckedEffect { .allow(controls) }
    static func deny(_ reason: String) -> CheckedEffect { .deny(reason: reason) }
    static func limit(_ controls: Controls) -> CheckedEffect { .limit(controls) }

    static func compile(_ policies: [CheckedPolicy], default decision: DecisionKeyword = .deny,
                        indexLayout: PolicyIndex.Layout = .automatic) throws -> CompiledPolicySet {
        var sources = SourceSet()
        sources.add(path: "test.agate", text: "# hand-built\n")
        return try CompiledPolicySet.compile(CheckedPolicySet(name: "test", defaultDecision: decision,
                                                              policies: policies, sources: sources),
                                             indexLayout: indexLayout)
    }

    /// 2026-11-23T12:00:00Z, a Monday.
    static let monday: Int64 = 1_795_435_200

    /// A valid request; `extra` members are spliced into the top-level object,
    /// `subject` members into the subject.
    static func request(subject: String = "", _ extra: String = "") -> String {
        let s = subject.isEmpty ? "" : "," + subject
        let e = extra.isEmpty ? "" : "," + extra
        return #"{"subject":{"id":"agent-1","kind":"agent""# + s + #"},"audience":"https://graph","location":{"ip":"10.1.2.3"}"# + e + "}"
    }

    static func decide(_ set: CompiledPolicySet, _ json: String, now: Int64 = monday) -> Answer {
        var evaluator = Evaluator(set)
        _ = evaluator.decide(json: Array(json.utf8), now: now)
        return evaluator.answer()
    }
}

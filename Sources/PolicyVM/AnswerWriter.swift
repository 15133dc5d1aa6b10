import PolicyLanguage

/// Renders the last decision of an evaluator as answer JSON (straight into a
/// byte buffer, from pre-rendered names and reasons) or as an `Answer`.
enum AnswerWriter {
    /// The fixed reasons, spelled once for both the JSON and the `Answer`.
    static let invalidReason: StaticString = "the request is invalid"
    static let defaultReason: StaticString = "no policy allows the request"
    static let noScopeReason: StaticString = "none of the requested scopes is granted"

    static func write(_ s: EvaluatorState, into out: inout ByteSink) {
        // unowned(unsafe): the state keeps the program alive; a strong local
        // would retain the one program every core shares, once per answer.
        unowned(unsafe) let p = s.program
        let texts = s.texts
        let r = s.result
        out.append(r.decision == .allow ? "\"decision\":\"allow\",\"policies\":" : "\"decision\":\"deny\",\"policies\":")
        writePolicies(s, into: &out)
        out.append(",\"controls\":")
        writeControls(s, into: &out)
        out.append(",\"reasons\":[")
        switch r.reasons {
        case .none: break
        case .policies: appendList(r.policies, r.policyCount, into: &out, texts.reason)
        case .noPolicyAllows: appendQuoted(&out, defaultReason)
        case .noScopeGranted: appendQuoted(&out, noScopeReason)
        case .invalidRequest: appendQuoted(&out, invalidReason)
        }
        out.append("],\"report_only\":")
        writeReportOnly(s, into: &out)
        out.append(",\"errors\":[")
        if let invalid = s.invalid {
            var w = JSONWriter()
            w.errorObject(policy: nil, code: EvaluationErrorCode.invalidRequest.rawValue, path: s.invalidPath,
                          message: invalid.message)
            w.bytes.withUnsafeBufferPointer { out.append(bytes: $0) }
        }
        for i in 0..<s.errorCount {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            let policy = Int(s.errorPolicies[i])
            out.append("{\"policy\":")
            out.append(bytes: texts.name(policy))
            out.append(",\"code\":\"")
            var code = s.errors[i].code.rawValue
            code.withUTF8 { out.append(bytes: $0) }
            out.append("\",\"message\":")
            var message = errorMessage(s.errors[i], p)
            message.withUTF8 { JSONWriter.appendEscaped($0, to: &out) }
            out.append(UInt8(ascii: "}"))
        }
        out.append("],\"warnings\":[")
        for i in 0..<s.frame.warningCount {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            var message = warning(s, i)
            message.withUTF8 { JSONWriter.appendEscaped($0, to: &out) }
        }
        out.append("],\"policyset\":")
        out.append(bytes: s.hashJSON)
    }

    /// The `policies` array: `["a","b"]`.
    static func writePolicies(_ s: EvaluatorState, into out: inout ByteSink) {
        out.append(UInt8(ascii: "["))
        appendList(s.result.policies, s.result.policyCount, into: &out, s.texts.name)
        out.append(UInt8(ascii: "]"))
    }

    /// The pre-rendered names (or reasons) of `count` policies, comma-separated.
    @inline(__always)
    private static func appendList(_ policies: UnsafeMutablePointer<Int32>, _ count: Int, into out: inout ByteSink,
                                   _ text: (Int) -> UnsafeBufferPointer<UInt8>) {
        for i in 0..<count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(bytes: text(Int(policies[i])))
        }
    }

    /// The `controls` object, or `null` when none are granted.
    static func writeControls(_ s: EvaluatorState, into out: inout ByteSink) {
        let r = s.result
        guard r.hasControls else { return out.append("null") }
        out.append("{\"token_lifetime_s\":")
        if r.lifetime == .min { out.append("null") } else { JSONWriter.appendInt(r.lifetime, to: &out) }
        out.append(",\"scopes\":[")
        for i in 0..<r.scopeCount {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            let cell = s.frame.elements[Int(r.scopes[i])]
            JSONWriter.appendEscaped(s.lookup.bytes(cell, frame: s.frame.bytes), to: &out)
        }
        out.append("],\"require\":[")
        for i in 0..<r.requireCount {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendEscaped(s.lookup.bytes(Int64(r.require[i])), to: &out)
        }
        out.append("]}")
    }

    /// The `report_only` array: `[{"policy":"a","would":"deny"}]`.
    static func writeReportOnly(_ s: EvaluatorState, into out: inout ByteSink) {
        let r = s.result
        out.append(UInt8(ascii: "["))
        for i in 0..<r.reportOnlyCount {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            let policy = Int(r.reportOnly[i])
            out.append("{\"policy\":")
            out.append(bytes: s.texts.name(policy))
            out.append(",\"would\":")
            switch EffectKind(rawValue: s.columns.pointee.effects[policy]) ?? .deny {
            case .allow: out.append("\"allow\"}")
            case .deny: out.append("\"deny\"}")
            case .limit: out.append("\"limit\"}")
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    /// A fixed reason as a JSON string (none needs escaping).
    private static func appendQuoted(_ out: inout ByteSink, _ text: StaticString) {
        out.append(UInt8(ascii: "\""))
        out.append(text)
        out.append(UInt8(ascii: "\""))
    }

    static func warning(_ s: EvaluatorState, _ i: Int) -> String {
        "unknown field `\(s.frame.text(s.frame.warnings[i]))`"
    }

    /// One sentence naming the signal, attribute or regex involved.
    static func errorMessage(_ error: VMError, _ p: Program) -> String {
        switch error.code {
        case .absentSignal:
            let name = Signal(rawValue: UInt8(error.detail))?.info.name ?? "?"
            return "signal `\(name)` is absent from the request"
        case .absentAttribute:
            return "attribute `\(attributeName(error, p))` is absent from the request"
        case .attributeType:
            let read = p.dynamicReads[Int(error.detail)]
            return "attribute `\(attributeName(error, p))` is \(article(error.found.name)) in the request, the policy expects \(article(read.expected.name))"
        case .regexLimit:
            let regex = p.regexSources[Int(error.detail)]
            return "regex `/\(regex.pattern)/\(regex.flags)` exceeded its match limit"
        case .invalidRequest:
            return "the request is invalid"
        }
    }

    private static func attributeName(_ error: VMError, _ p: Program) -> String {
        let (root, name) = p.dynamicSlotNames[Int(p.dynamicReads[Int(error.detail)].slot)]
        return root.prefix + "." + name
    }

    private static func article(_ typeName: String) -> String {
        typeName.hasPrefix("int") ? "an \(typeName)" : "a \(typeName)"
    }

    /// The same answer as plain values.
    static func answer(_ s: EvaluatorState, hash: String) -> Answer {
        let r = s.result
        let p = s.program
        var answer = Answer(decision: r.decision, policySet: hash)
        answer.policies = (0..<r.policyCount).map { p.policies[Int(r.policies[$0])].name }
        if r.hasControls {
            answer.controls = GrantedControls(
                tokenLifetime: r.lifetime == .min ? nil : r.lifetime,
                scopes: (0..<r.scopeCount).map {
                    String(decoding: p.lookup.bytes(s.frame.elements[Int(r.scopes[$0])], frame: s.frame.bytes), as: UTF8.self)
                },
                require: (0..<r.requireCount).map { p.symbols.text(r.require[$0]) })
        }
        switch r.reasons {
        case .none: break
        case .policies:
            answer.reasons = (0..<r.policyCount).compactMap {
                if case .deny(let reason) = p.policies[Int(r.policies[$0])].effect { return reason }
                return nil
            }
        case .noPolicyAllows: answer.reasons = ["\(defaultReason)"]
        case .noScopeGranted: answer.reasons = ["\(noScopeReason)"]
        case .invalidRequest: answer.reasons = ["\(invalidReason)"]
        }
        answer.reportOnly = (0..<r.reportOnlyCount).map {
            let policy = Int(r.reportOnly[$0])
            let would: ReportOnlyVerdict = switch EffectKind(rawValue: p.columns.pointee.effects[policy]) ?? .deny {
            case .allow: .allow
            case .deny: .deny
            case .limit: .limit
            }
            return ReportOnlyResult(policy: p.policies[policy].name, would: would)
        }
        if let invalid = s.invalid {
            answer.errors = [EvaluationError(policy: nil, code: .invalidRequest, message: invalid.message,
                                             path: s.invalidPath)]
        }
        answer.errors += (0..<s.errorCount).map {
            EvaluationError(policy: p.policies[Int(s.errorPolicies[$0])].name, code: s.errors[$0].code,
                            message: errorMessage(s.errors[$0], p))
        }
        answer.warnings = (0..<s.frame.warningCount).map { warning(s, $0) }
        return answer
    }
}

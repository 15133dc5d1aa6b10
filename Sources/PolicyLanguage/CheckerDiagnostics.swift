// The checker's stable diagnostic codes: E02xx errors, W03xx warnings, N04xx notes.
// Ids never change meaning once published; retire an id rather than reuse it.

extension DiagnosticCode {
    // MARK: Names and scopes
    public static let unknownName = DiagnosticCode(
        "E0201", .error, "unknown-name", "a name is not a `let`, quantifier variable, risk level, weekday or subject kind")
    public static let duplicateLet = DiagnosticCode(
        "E0202", .error, "duplicate-let", "a `let` name is defined twice in the policy set")
    public static let unknownSignal = DiagnosticCode(
        "E0203", .error, "unknown-signal", "a dotted name is not a known request signal")
    public static let reservedName = DiagnosticCode(
        "E0204", .error, "reserved-name", "a `let` or quantifier variable shadows a signal root or a built-in name")
    public static let letUsedBeforeDefinition = DiagnosticCode(
        "E0205", .error, "let-before-definition", "a `let` names a `let` that is defined later (or itself)")
    public static let shadowedVariable = DiagnosticCode(
        "E0206", .error, "shadowed-variable", "a quantifier variable reuses the name of an enclosing variable or `let`")
    public static let invalidDynamicPath = DiagnosticCode(
        "E0207", .error, "invalid-attribute-path", "a dynamic attribute path does not have exactly one member name")
    public static let invalidHas = DiagnosticCode(
        "E0208", .error, "invalid-has", "`has` is asked of something that is always present or is not a record")
    public static let nonConstantLet = DiagnosticCode(
        "E0209", .error, "non-constant-let", "a `let` value is not a constant")

    // MARK: Types
    public static let typeMismatch = DiagnosticCode(
        "E0210", .error, "type-mismatch", "the two sides of an operator have different types")
    public static let expectedBool = DiagnosticCode(
        "E0211", .error, "expected-bool", "a condition or operand of `and`, `or`, `not` is not a boolean")
    public static let invalidOperator = DiagnosticCode(
        "E0212", .error, "invalid-operator", "an operator is applied to a type it does not support")
    public static let invalidMembership = DiagnosticCode(
        "E0213", .error, "invalid-membership", "the right side of `in` is not a set, network or schedule of the left side's type")
    public static let uninferableAttribute = DiagnosticCode(
        "E0214", .error, "uninferable-attribute", "the type of a dynamic attribute cannot be inferred from its context")
    public static let invalidAttributeType = DiagnosticCode(
        "E0215", .error, "invalid-attribute-type", "a dynamic attribute is used as a type it cannot hold")
    public static let invalidQuantifierSource = DiagnosticCode(
        "E0216", .error, "invalid-quantifier-source", "`any`/`all` ranges over something that is not a set")
    public static let nestedSet = DiagnosticCode(
        "E0217", .error, "nested-set", "a set element is itself a set, schedule or regex")
    public static let notAValue = DiagnosticCode(
        "E0218", .error, "not-a-value", "a signal root such as `subject` is used as a value")

    // MARK: Literals
    public static let unknownTimeZone = DiagnosticCode(
        "E0221", .error, "unknown-time-zone", "a schedule names a time zone the IANA database does not know")
    public static let emptyTimeRange = DiagnosticCode(
        "E0222", .error, "empty-time-range", "a schedule's start is not before its end")
    public static let invalidTimeOfDay = DiagnosticCode(
        "E0223", .error, "invalid-time-of-day", "`24:00` is used anywhere but as the end of a schedule range")
    public static let unknownWeekday = DiagnosticCode(
        "E0224", .error, "unknown-weekday", "a schedule names a day that is not `mon` … `sun`")
    public static let backwardWeekdayRange = DiagnosticCode(
        "E0225", .error, "backward-weekday-range", "a weekday range runs backwards")
    public static let durationOutOfRange = DiagnosticCode(
        "E0226", .error, "duration-out-of-range", "a duration control is outside its allowed bounds")
    public static let invalidRegex = DiagnosticCode(
        "E0227", .error, "invalid-regex", "a regular expression does not compile under PCRE2")
    public static let mixedSet = DiagnosticCode(
        "E0229", .error, "mixed-set", "a set holds elements of different types")
    public static let nonConstantScheduleTime = DiagnosticCode(
        "E0230", .error, "non-constant-schedule-time", "a schedule's start or end is not a time-of-day literal")

    // MARK: Policies, effects and controls
    public static let duplicatePolicy = DiagnosticCode(
        "E0240", .error, "duplicate-policy", "two policies have the same name")
    public static let missingEffect = DiagnosticCode(
        "E0241", .error, "missing-effect", "a policy has no `allow`, `deny` or `limit`")
    public static let multipleEffects = DiagnosticCode(
        "E0242", .error, "multiple-effects", "a policy has more than one effect")
    public static let controlsInDeny = DiagnosticCode(
        "E0243", .error, "controls-in-deny", "a `deny` has a controls block")
    public static let denyWithoutReason = DiagnosticCode(
        "E0244", .error, "deny-without-reason", "a `deny` gives no reason")
    public static let unknownControl = DiagnosticCode(
        "E0245", .error, "unknown-control", "a control is not `token_lifetime`, `scopes` or `require`")
    public static let duplicateControl = DiagnosticCode(
        "E0246", .error, "duplicate-control", "a control appears twice in one block")
    public static let duplicateDescription = DiagnosticCode(
        "E0247", .error, "duplicate-description", "a policy has more than one `description`")
    public static let invalidTarget = DiagnosticCode(
        "E0248", .error, "invalid-target", "a `target` is not an indexable comparison of a subject or audience signal with a constant")
    public static let conflictingPolicySetName = DiagnosticCode(
        "E0249", .error, "conflicting-policyset", "files of one policy set declare different `policyset` names")
    public static let duplicateDefault = DiagnosticCode(
        "E0250", .error, "duplicate-default", "`default` is declared more than once in the policy set")
    public static let invalidControlValue = DiagnosticCode(
        "E0251", .error, "invalid-control-value", "a control's value has the wrong type or is not a constant")

    // MARK: Warnings
    public static let cidrHostBits = DiagnosticCode(
        "W0301", .warning, "cidr-host-bits", "a CIDR literal has bits set after its prefix")
    public static let duplicateWeekday = DiagnosticCode(
        "W0302", .warning, "duplicate-weekday", "a schedule lists the same day twice")
    public static let duplicateSetElement = DiagnosticCode(
        "W0303", .warning, "duplicate-set-element", "a set literal lists the same element twice")
    public static let unusedLet = DiagnosticCode(
        "W0304", .warning, "unused-let", "a `let` is never used")
    public static let alwaysTrue = DiagnosticCode(
        "W0305", .warning, "always-true", "a condition is true whatever the request")
    public static let alwaysFalse = DiagnosticCode(
        "W0306", .warning, "always-false", "a condition is false whatever the request, so the policy never applies")
    public static let shadowedAllow = DiagnosticCode(
        "W0307", .warning, "shadowed-allow", "an `allow` can never win because an unconditional `deny` covers its targets")
    public static let duplicateTarget = DiagnosticCode(
        "W0308", .warning, "duplicate-target", "a policy repeats a `target` clause")
    public static let unguardedOptional = DiagnosticCode(
        "W0309", .warning, "unguarded-optional", "an optional signal is read without a `has` guard, so the policy errs when it is absent")
    public static let emptyControls = DiagnosticCode(
        "W0310", .warning, "empty-limit", "a `limit` adds no controls, so it does nothing")

    // MARK: Notes
    public static let reportOnlyPolicy = DiagnosticCode(
        "N0401", .note, "report-only-policy", "a policy runs in `report_only` mode and never changes a decision")
    public static let disabledPolicy = DiagnosticCode(
        "N0402", .note, "disabled-policy", "a policy is `disabled` and never evaluated")

    /// Every code the checker can emit, in id order.
    public static let checkerCodes: [DiagnosticCode] = [
        .unknownName, .duplicateLet, .unknownSignal, .reservedName, .letUsedBeforeDefinition,
        .shadowedVariable, .invalidDynamicPath, .invalidHas, .nonConstantLet,
        .typeMismatch, .expectedBool, .invalidOperator, .invalidMembership, .uninferableAttribute,
        .invalidAttributeType, .invalidQuantifierSource, .nestedSet, .notAValue,
        .unknownTimeZone, .emptyTimeRange, .invalidTimeOfDay, .unknownWeekday,
        .backwardWeekdayRange, .durationOutOfRange, .invalidRegex, .mixedSet,
        .nonConstantScheduleTime,
        .duplicatePolicy, .missingEffect, .multipleEffects, .controlsInDeny, .denyWithoutReason,
        .unknownControl, .duplicateControl, .duplicateDescription, .invalidTarget,
        .conflictingPolicySetName, .duplicateDefault, .invalidControlValue,
        .cidrHostBits, .duplicateWeekday, .duplicateSetElement, .unusedLet, .alwaysTrue, .alwaysFalse,
        .shadowedAllow, .duplicateTarget, .unguardedOptional, .emptyControls,
        .reportOnlyPolicy, .disabledPolicy,
    ]
}

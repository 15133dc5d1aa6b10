#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PolicyLanguage

/// Decodes a request JSON object straight into a `Frame` (the contract of
/// Request.swift): strings interned against the program's symbols, sets as
/// deduplicated element ranges, time as epoch seconds, IP as 128 bits.
/// Strict: any deviation is a `DecodeFailure` naming the JSON path.
///
/// It holds no reference to the shared program, only copies of its frozen
/// tables: on a many-core server or replay, retaining one shared object per
/// request bounces its cache line between cores.
struct RequestDecoder {
    let frame: Frame
    let symbols: SymbolLookup
    /// Per dynamic root: symbol id → frame slot (-1: no policy reads it).
    let dynamicSlots: UnsafeBufferPointer<UnsafeBufferPointer<Int32>>
    var cursor: JSONCursor

    /// Decodes the request object at the start of `input` (`now` stands in for
    /// an absent `time`); with `trailing`, text may follow it, else only
    /// whitespace. Returns the offset just past the object.
    static func decode(_ input: UnsafeRawBufferPointer, now: Int64, into frame: Frame, symbols: SymbolLookup,
                       dynamicSlots: UnsafeBufferPointer<UnsafeBufferPointer<Int32>>,
                       trailing: Bool) throws(DecodeFailure) -> Int {
        frame.reset()
        frame.reserve(forInput: input.count)
        var decoder = RequestDecoder(frame: frame, symbols: symbols, dynamicSlots: dynamicSlots, cursor: JSONCursor(input))
        try decoder.request(now: now, trailing: trailing)
        return decoder.cursor.position
    }

    // MARK: Top level

    private mutating func request(now: Int64, trailing: Bool) throws(DecodeFailure) {
        let root = JSONPath(.root)
        cursor.skipSpace()
        guard cursor.peek == UInt8(ascii: "{"), !cursor.atEnd else {
            throw cursor.fail(root, "a request must be a JSON object, found \(cursor.valueKindName())")
        }
        var seen: UInt32 = 0
        var time = now
        setDefaults()
        if try beginObject(root, depth: 1) {
            repeat {
                let (key, name) = try memberKey(root, Key.Members.request)
                switch key {
                case .subject: seen |= 1; try subject()
                case .audience: seen |= 2; frame.set(.audience, try stringCell(JSONPath(.audience)))
                case .scopes: frame.set(.scopes, try stringSet(JSONPath(.scopes), depth: 2))
                case .location: seen |= 4; try location()
                case .time: time = try timestamp(JSONPath(.time))
                case .risk: try risk()
                case .onBehalfOf: try delegation()
                case .context: try dynamicObject(.context, JSONPath(.context), depth: 2)
                default:
                    if frame.warningCount < Frame.maxWarnings {
                        frame.warnings[frame.warningCount] = name
                        frame.warningCount += 1
                    }
                    try cursor.skipValue(into: frame, depth: 2, root.with(name: name))
                }
            } while try nextMember(root)
        }
        if !trailing {
            cursor.skipSpace()
            guard cursor.atEnd else { throw DecodeFailure(path: root, message: "unexpected text after the request object") }
        }
        if seen & 1 == 0 { throw missing(JSONPath(.subject)) }
        if seen & 2 == 0 { throw missing(JSONPath(.audience)) }
        if seen & 4 == 0 { throw missing(JSONPath(.location)) }
        frame.set(.time, Cell(a: time))
        let (weekday, second) = CivilTime.weekdayAndSecond(time)
        frame.set(.timeHour, Cell(a: second / 3600))
        frame.set(.timeWeekday, Cell(a: weekday))
    }

    private func missing(_ path: JSONPath) -> DecodeFailure {
        DecodeFailure(path: path, message: "missing required field `\(path.render(frame))`")
    }

    /// Required signals start at their documented defaults.
    private func setDefaults() {
        frame.set(.subjectGroups, .zero)
        frame.set(.scopes, .zero)
        frame.set(.riskSignals, .zero)
        frame.set(.delegationChain, .zero)
        frame.set(.subjectRisk, .zero)
        frame.set(.riskLevel, .zero)
        frame.set(.riskScore, .zero)
        frame.set(.delegationDepth, .zero)
    }

    // MARK: Object iteration

    /// Consumes `{`; false when the object is empty (and `}` is consumed too).
    @inline(__always)
    private mutating func beginObject(_ path: JSONPath, depth: Int) throws(DecodeFailure) -> Bool {
        guard depth <= Frame.maxDepth else {
            throw DecodeFailure(path: path, message: "nesting deeper than \(Frame.maxDepth) levels")
        }
        cursor.skipSpace()
        guard cursor.peek == UInt8(ascii: "{"), !cursor.atEnd else {
            throw cursor.fail(path, "expected an object, found \(cursor.valueKindName())")
        }
        cursor.position += 1
        cursor.skipSpace()
        if cursor.peek == UInt8(ascii: "}"), !cursor.atEnd { cursor.position += 1; return false }
        return true
    }

    /// A member name and its `:`. A name among `members` (a `Key.Members`
    /// set) is matched in place, as words read straight from the input (nearly
    /// every member); any other is copied into the frame, where a warning or an
    /// error message can read it (`name`). Transparent: as `@inline(__always)`
    /// it stayed a call at every site, 15 calls per request.
    @_transparent
    private mutating func memberKey(_ path: JSONPath,
                                    _ members: UInt32) throws(DecodeFailure) -> (key: Key, name: TableRange) {
        if let key = cursor.knownMember(members) { return (key, TableRange(start: -1, count: 0)) }
        return try otherMemberKey(path)
    }

    /// Any member name: copied into the frame and matched there.
    @inline(never)
    private mutating func otherMemberKey(_ path: JSONPath) throws(DecodeFailure) -> (key: Key, name: TableRange) {
        let name = try memberName(path)
        return (Key(bytes(name)), name)
    }

    /// A member name and its `:`; the name's bytes stay in the frame.
    @inline(__always)
    private mutating func memberName(_ path: JSONPath) throws(DecodeFailure) -> TableRange {
        let (offset, length) = try cursor.string(into: frame, path)
        try cursor.expect(UInt8(ascii: ":"), path, "`:`")
        return TableRange(start: Int32(offset), count: Int32(length))
    }

    /// After a member: `,` → another follows; `}` → done.
    @inline(__always)
    private mutating func nextMember(_ path: JSONPath) throws(DecodeFailure) -> Bool {
        cursor.skipSpace()
        if cursor.peek == UInt8(ascii: ","), !cursor.atEnd { cursor.position += 1; return true }
        try cursor.expect(UInt8(ascii: "}"), path, "`,` or `}`")
        return false
    }

    @inline(__always) private func bytes(_ range: TableRange) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: frame.bytes + Int(range.start), count: Int(range.count))
    }

    private func unknownField(_ path: JSONPath, _ key: TableRange) -> DecodeFailure {
        let p = path.with(name: key)
        return DecodeFailure(path: p, message: "unknown field `\(p.render(frame))`")
    }

    // MARK: Objects

    private mutating func subject() throws(DecodeFailure) {
        let path = JSONPath(.subject)
        var seen = 0
        if try beginObject(path, depth: 2) {
            repeat {
                let (key, name) = try memberKey(path, Key.Members.subject)
                switch key {
                case .id: seen |= 1; frame.set(.subjectID, try stringCell(JSONPath(.subjectId)))
                case .kind: seen |= 2; frame.set(.subjectKind, Cell(a: Int64(try kind(JSONPath(.subjectKind)))))
                case .blueprint: try optionalString(.subjectBlueprint, JSONPath(.subjectBlueprint))
                case .sponsor: try optionalString(.subjectSponsor, JSONPath(.subjectSponsor))
                case .groups: frame.set(.subjectGroups, try stringSet(JSONPath(.subjectGroups), depth: 3))
                case .risk: frame.set(.subjectRisk, Cell(a: Int64(try riskLevel(JSONPath(.subjectRisk)))))
                case .created:
                    if !cursor.null() {
                        frame.set(.subjectCreated, Cell(a: try timestamp(JSONPath(.subjectCreated))))
                    }
                case .attributes: try dynamicObject(.subjectAttributes, JSONPath(.subjectAttributes), depth: 3)
                default: throw unknownField(path, name)
                }
            } while try nextMember(path)
        }
        if seen & 1 == 0 { throw missing(JSONPath(.subjectId)) }
        if seen & 2 == 0 { throw missing(JSONPath(.subjectKind)) }
    }

    private mutating func location() throws(DecodeFailure) {
        let path = JSONPath(.location)
        var seenIP = false
        if try beginObject(path, depth: 2) {
            repeat {
                let (key, name) = try memberKey(path, Key.Members.location)
                switch key {
                case .ip:
                    seenIP = true
                    let ipPath = JSONPath(.locationIp)
                    let (offset, length) = try cursor.string(into: frame, ipPath)
                    let text = UnsafeBufferPointer(start: frame.bytes + offset, count: length)
                    guard let ip = TextFormats.ip(text) else {
                        throw DecodeFailure(path: ipPath,
                                            message: "`\(String(decoding: text, as: UTF8.self))` is not an IPv4 or IPv6 address")
                    }
                    frame.set(.locationIP, Cell(a: Int64(bitPattern: ip.high), b: Int64(bitPattern: ip.low),
                                                c: ip.isV4 ? 1 : 0))
                case .country: try optionalString(.locationCountry, JSONPath(.locationCountry))
                default: throw unknownField(path, name)
                }
            } while try nextMember(path)
        }
        if !seenIP { throw missing(JSONPath(.locationIp)) }
    }

    private mutating func risk() throws(DecodeFailure) {
        let path = JSONPath(.risk)
        if try beginObject(path, depth: 2) {
            repeat {
                let (key, name) = try memberKey(path, Key.Members.risk)
                switch key {
                case .level: frame.set(.riskLevel, Cell(a: Int64(try riskLevel(JSONPath(.riskLevel)))))
                case .score:
                    let scorePath = JSONPath(.riskScore)
                    let score = try cursor.integer(scorePath)
                    guard (0...100).contains(score) else {
                        throw DecodeFailure(path: scorePath, message: "risk score \(score) is outside 0…100")
                    }
                    frame.set(.riskScore, Cell(a: score))
                case .signals: frame.set(.riskSignals, try stringSet(JSONPath(.riskSignals), depth: 3))
                default: throw unknownField(path, name)
                }
            } while try nextMember(path)
        }
    }

    /// `on_behalf_of: [{id, kind}, …]`: depth (the array's length), chain (a set of ids), origin.
    private mutating func delegation() throws(DecodeFailure) {
        let path = JSONPath(.onBehalfOf)
        try cursor.expect(UInt8(ascii: "["), path, "an array")
        let start = frame.elementCount
        var depth = 0
        cursor.skipSpace()
        if cursor.peek == UInt8(ascii: "]"), !cursor.atEnd {
            cursor.position += 1
        } else {
            while true {
                guard depth < Frame.maxSetElements else {
                    throw DecodeFailure(path: path, message: "more than \(Frame.maxSetElements) elements")
                }
                let itemPath = path.with(index: depth)
                var id: Cell?
                var sawKind = false
                if try beginObject(itemPath, depth: 3) {
                    repeat {
                        let (key, name) = try memberKey(itemPath, Key.Members.actor)
                        switch key {
                        case .id: id = try stringCell(itemPath.with(suffix: .id))
                        case .kind: _ = try kind(itemPath.with(suffix: .kind)); sawKind = true
                        default: throw unknownField(itemPath, name)
                        }
                    } while try nextMember(itemPath)
                }
                guard let id else { throw missing(itemPath.with(suffix: .id)) }
                guard sawKind else { throw missing(itemPath.with(suffix: .kind)) }
                if depth == 0 { frame.set(.delegationOrigin, id) }
                addElement(id, setStart: start)
                depth += 1
                cursor.skipSpace()
                if cursor.peek == UInt8(ascii: ","), !cursor.atEnd { cursor.position += 1; continue }
                try cursor.expect(UInt8(ascii: "]"), path, "`,` or `]`")
                break
            }
        }
        frame.set(.delegationDepth, Cell(a: Int64(depth)))
        frame.set(.delegationChain, Cell(a: 0, b: Int64(start), c: Int64(frame.elementCount - start)))
    }

    /// `subject.attributes` / `context`: names the policies read are stored in
    /// their slots; others are validated and dropped.
    private mutating func dynamicObject(_ root: DynamicRoot, _ path: JSONPath, depth: Int) throws(DecodeFailure) {
        let slots = dynamicSlots[Int(root.rawValue)]
        if try beginObject(path, depth: depth) {
            repeat {
                let key = try memberName(path)
                let id = key.count == 0 ? -1 : symbols.find(frame.bytes + Int(key.start), Int(key.count))
                let slot = id >= 0 ? Int(slots[Int(id)]) : -1
                let byteMark = frame.byteCount
                let elementMark = frame.elementCount
                let (type, cell) = try dynamicValue(path.with(name: key), depth: depth + 1)
                if slot >= 0 {
                    frame.dynamicTypes[slot] = type.rawValue
                    frame.dynamicCells[slot] = cell
                } else {
                    frame.byteCount = byteMark
                    frame.elementCount = elementMark
                }
            } while try nextMember(path)
        }
    }

    private mutating func dynamicValue(_ path: JSONPath, depth: Int) throws(DecodeFailure) -> (DynamicType, Cell) {
        cursor.skipSpace()
        switch cursor.peek {
        case UInt8(ascii: "\""): return (.string, try stringCell(path))
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return (.bool, Cell(a: try cursor.boolean(path) ? 1 : 0))
        case UInt8(ascii: "["): return (.stringSet, try stringSet(path, depth: depth))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return (.int, Cell(a: try cursor.integer(path)))
        default:
            throw cursor.fail(path, "an attribute must be a string, integer, boolean or array of strings, found \(cursor.valueKindName())")
        }
    }
}

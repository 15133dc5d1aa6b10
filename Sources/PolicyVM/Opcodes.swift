// The instruction set of the Agate VM.
//
// Every instruction is one 64-bit word:
//
//   63            48 47            32 31            16 15    12 11     8 7        0
//  +----------------+----------------+----------------+--------+--------+---------+
//  |     C (16)     |     B (16)     |     A (16)     |  x (4)  |  k (4) |  op (8) |
//  +----------------+----------------+----------------+--------+--------+---------+
//  |             BC (32)             |
//
//  op  the opcode below            k  bit 0: negate the test (`!=`, `not in`, `not like`);
//                                     bit 1 / bit 2: when false, return "not matched" / "not applicable";
//                                     bit 3: then return the flag, as a `RET` after it would
//  x   a comparison (0 == 1 != 2 < 3 <= 4 > 5 >=) or a quantifier (0 any, 1 all; QIN/QLIKE/QMATCH: bit 1 negates the body)
//  A, B  operands: 3-bit kind + 13-bit index (see `Operand`), or a register
//  C   a table index (constant set, CIDR table, glob, regex, schedule) or a relative offset
//  BC  B and C as one 32-bit absolute jump target
//
// One flag register holds the last test's result; `and`/`or` compile to
// conditional jumps over it (short-circuit), so only tests touch values.
//
//  op        operands   meaning
//  JMP       BC         pc = BC
//  JF        BC         if !flag then pc = BC
//  JT        BC         if flag then pc = BC
//  NOT                  flag = !flag
//  SET       k          flag = (k == 1)
//  TARGET    k          if !flag then return "not matched" (k bit 1) or "not applicable"
//  RET                  return flag ("matched" / "not matched")
//  EQSYM     k A C      flag = (string A has symbol id C) != k          [signal-equals-constant]
//  EQKIND    k A C      flag = (int-like A == C) != k                   [kind/risk/weekday equals constant]
//  CMP       x k A B    flag = (int-like A <x> int-like B) != k         [risk/score/duration compares]
//  EQS       k A B      flag = (string A == string B) != k
//  EQIP      k A B      flag = (ip A == ip B) != k
//  EQV       k A B      flag = (A == B) != k, any other type (cidr, sets): the slow path
//  INSYM     k A C      flag = (string A in constant string set C) != k  [sorted symbol ids]
//  ININT     k A C      flag = (int-like A in constant set C) != k       [sorted values]
//  INCIDR    k A C      flag = (ip A in CIDR table C) != k               [ip-in-cidr-set]
//  INSET     k A B      flag = (A in set B) != k, B a request/dynamic/bound set: a scan
//  LIKE      k A C      flag = (string A matches glob C) != k
//  MATCH     k A C      flag = (string A matches regex C) != k; may fail with regex_limit
//  SCHED     k A C      flag = (timestamp A in schedule C) != k
//  HAS       k A        flag = (signal/attribute A is present) != k
//  SUB       A B C      register C = A - B (timestamp difference, seconds)
//  STORE     C          register C = flag (a boolean used as a value)
//  FORPREP   x A B C    iterate set A into register B; empty: flag = (x == all), pc += C
//  FORLOOP   x A BC     if flag == (x == any) exit; else next element into A and pc = BC,
//                       or exit when exhausted (flag already holds the quantifier's result)
//  QIN       x k A C    flag = (any/all e in string set A: e in constant set C) != k   [any/all over
//  QLIKE     x k A C    flag = (any/all e in string set A: e like glob C) != k          a request set,
//  QMATCH    x k A C    flag = (any/all e in string set A: e matches regex C) != k      one instruction]
//                       x bit 0: 0 any, 1 all; x bit 1: the body is negated (`not in`, `not like`)
//
// Reading an absent optional signal or attribute, or an attribute of another
// type than the checker inferred, aborts the policy with an error (fail closed).

/// The opcodes; raw values are the `op` byte.
enum Opcode: UInt8, CaseIterable, Sendable {
    case jmp, jf, jt, not, set, target, ret
    case eqsym, eqkind, cmp, eqs, eqip, eqv
    case insym, inint, incidr, inset
    case like, match, sched, has, sub, store
    case forprep, forloop
    case qin, qlike, qmatch
}

/// How an opcode uses its fields; the disassembler and validator read this table.
struct OpcodeInfo: Sendable {
    enum Field: Sendable { case none, operand, register, jump, relative, symbol, intConstant, table(TableKind) }
    enum TableKind: Sendable { case symbolSet, intSet, cidr, glob, regex, schedule }
    var name: String
    var a: Field
    var b: Field
    var c: Field
    /// A test instruction: sets the flag and honours `k`.
    var isTest: Bool

    static let table: [OpcodeInfo] = [
        .init(name: "JMP", a: .none, b: .jump, c: .none, isTest: false),
        .init(name: "JF", a: .none, b: .jump, c: .none, isTest: false),
        .init(name: "JT", a: .none, b: .jump, c: .none, isTest: false),
        .init(name: "NOT", a: .none, b: .none, c: .none, isTest: false),
        .init(name: "SET", a: .none, b: .none, c: .none, isTest: false),
        .init(name: "TARGET", a: .none, b: .none, c: .none, isTest: false),
        .init(name: "RET", a: .none, b: .none, c: .none, isTest: false),
        .init(name: "EQSYM", a: .operand, b: .none, c: .symbol, isTest: true),
        .init(name: "EQKIND", a: .operand, b: .none, c: .intConstant, isTest: true),
        .init(name: "CMP", a: .operand, b: .operand, c: .none, isTest: true),
        .init(name: "EQS", a: .operand, b: .operand, c: .none, isTest: true),
        .init(name: "EQIP", a: .operand, b: .operand, c: .none, isTest: true),
        .init(name: "EQV", a: .operand, b: .operand, c: .none, isTest: true),
        .init(name: "INSYM", a: .operand, b: .none, c: .table(.symbolSet), isTest: true),
        .init(name: "ININT", a: .operand, b: .none, c: .table(.intSet), isTest: true),
        .init(name: "INCIDR", a: .operand, b: .none, c: .table(.cidr), isTest: true),
        .init(name: "INSET", a: .operand, b: .operand, c: .none, isTest: true),
        .init(name: "LIKE", a: .operand, b: .none, c: .table(.glob), isTest: true),
        .init(name: "MATCH", a: .operand, b: .none, c: .table(.regex), isTest: true),
        .init(name: "SCHED", a: .operand, b: .none, c: .table(.schedule), isTest: true),
        .init(name: "HAS", a: .operand, b: .none, c: .none, isTest: true),
        .init(name: "SUB", a: .operand, b: .operand, c: .register, isTest: false),
        .init(name: "STORE", a: .none, b: .none, c: .register, isTest: false),
        .init(name: "FORPREP", a: .operand, b: .register, c: .relative, isTest: false),
        .init(name: "FORLOOP", a: .register, b: .jump, c: .none, isTest: false),
        .init(name: "QIN", a: .operand, b: .none, c: .table(.symbolSet), isTest: true),
        .init(name: "QLIKE", a: .operand, b: .none, c: .table(.glob), isTest: true),
        .init(name: "QMATCH", a: .operand, b: .none, c: .table(.regex), isTest: true),
    ]

    static subscript(_ op: Opcode) -> OpcodeInfo { table[Int(op.rawValue)] }
}

/// An operand reference: which value an instruction reads.
///
///     15    13 12                        0
///    +--------+---------------------------+
///    |  kind  |          index            |
///    +--------+---------------------------+
///
/// kind 0: a fixed signal (index = `Signal.rawValue`); 1: a dynamic read
/// (index into the dynamic-read table: attribute slot + expected type);
/// 2: a register (quantifier variables, then temporaries); 3: a constant.
struct Operand: Hashable, Sendable {
    enum Kind: UInt16, Sendable { case signal = 0, dynamic, register, constant }
    static let indexLimit = 1 << 13

    var raw: UInt16

    init(raw: UInt16) { self.raw = raw }
    init(_ kind: Kind, _ index: Int) { raw = kind.rawValue << 13 | UInt16(index) }

    var kind: Kind { Kind(rawValue: raw >> 13) ?? .constant }
    var index: Int { Int(raw & 0x1FFF) }
}

/// An instruction as a value, for the compiler, disassembler and tests. The VM
/// reads the encoded words.
struct Instruction: Equatable, Sendable {
    var op: Opcode
    var k: UInt8 = 0
    var x: UInt8 = 0
    var a: UInt16 = 0
    var b: UInt16 = 0
    var c: UInt16 = 0

    var bc: UInt32 {
        get { UInt32(b) | UInt32(c) << 16 }
        set { b = UInt16(truncatingIfNeeded: newValue); c = UInt16(truncatingIfNeeded: newValue >> 16) }
    }

    init(_ op: Opcode, k: UInt8 = 0, x: UInt8 = 0, a: UInt16 = 0, b: UInt16 = 0, c: UInt16 = 0) {
        self.op = op
        self.k = k
        self.x = x
        self.a = a
        self.b = b
        self.c = c
    }

    /// `k` bits beyond negation (bit 0): when a test comes out false, leave
    /// the policy at once as "not matched" (a conjunct of the condition) or
    /// "not applicable" (a target). On `TARGET`, they choose which it returns.
    static let exitNotMatched: UInt8 = 0b0010
    static let exitNotApplicable: UInt8 = 0b0100
    /// On a test: return its flag ("matched" / "not matched") once the exits
    /// above had their say. Set on the test a policy's `RET` follows, saving
    /// most policies a dispatch (see `Compiler.fuseReturn`).
    static let thenReturn: UInt8 = 0b1000

    static func jump(_ op: Opcode, to target: UInt32, x: UInt8 = 0, a: UInt16 = 0) -> Instruction {
        var i = Instruction(op, x: x, a: a)
        i.bc = target
        return i
    }

    var encoded: UInt64 {
        UInt64(op.rawValue) | UInt64(k & 0xF) << 8 | UInt64(x & 0xF) << 12
            | UInt64(a) << 16 | UInt64(b) << 32 | UInt64(c) << 48
    }

    init?(decoding word: UInt64) {
        guard let op = Opcode(rawValue: UInt8(truncatingIfNeeded: word)) else { return nil }
        self.init(op, k: UInt8(truncatingIfNeeded: word >> 8) & 0xF, x: UInt8(truncatingIfNeeded: word >> 12) & 0xF,
                  a: UInt16(truncatingIfNeeded: word >> 16), b: UInt16(truncatingIfNeeded: word >> 32),
                  c: UInt16(truncatingIfNeeded: word >> 48))
    }
}

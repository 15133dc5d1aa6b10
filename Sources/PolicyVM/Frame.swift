import PolicyLanguage

/// The decoded request: fixed-size storage allocated once per evaluator and
/// overwritten by every decode. Signals are `Cell`s (see `Cell`), string
/// bytes live in `bytes`, set elements in `elements`.
final class Frame {
    static let signalCount = Signal.allCases.count
    static let maxSetElements = 256
    static let maxString = 4096
    static let maxDepth = 32
    static let maxWarnings = 16

    let signals: UnsafeMutablePointer<Cell>
    /// Bit `Signal.rawValue` set when the signal is present.
    var present: UInt32 = 0
    let dynamicCells: UnsafeMutablePointer<Cell>
    let dynamicTypes: UnsafeMutablePointer<UInt8>
    let dynamicCount: Int
    let elements: UnsafeMutablePointer<Cell>
    let elementCapacity: Int
    var elementCount = 0
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private(set) var byteCapacity: Int
    var byteCount = 0
    /// Unknown top-level fields: ranges into `bytes`.
    let warnings: UnsafeMutablePointer<TableRange>
    var warningCount = 0

    init(dynamicSlots: Int) {
        signals = .allocate(capacity: Frame.signalCount)
        signals.initialize(repeating: .zero, count: Frame.signalCount)
        dynamicCount = dynamicSlots
        dynamicCells = .allocate(capacity: max(1, dynamicSlots))
        dynamicCells.initialize(repeating: .zero, count: max(1, dynamicSlots))
        dynamicTypes = .allocate(capacity: max(1, dynamicSlots))
        dynamicTypes.initialize(repeating: 0, count: max(1, dynamicSlots))
        // groups, scopes, risk.signals, the delegation chain, and one set per attribute slot.
        elementCapacity = (4 + dynamicSlots) * Frame.maxSetElements
        elements = .allocate(capacity: elementCapacity)
        elements.initialize(repeating: .zero, count: elementCapacity)
        byteCapacity = 64 * 1024
        bytes = .allocate(capacity: byteCapacity)
        warnings = .allocate(capacity: Frame.maxWarnings)
        warnings.initialize(repeating: TableRange(start: 0, count: 0), count: Frame.maxWarnings)
    }

    deinit {
        signals.deallocate(); dynamicCells.deallocate(); dynamicTypes.deallocate()
        elements.deallocate(); bytes.deallocate(); warnings.deallocate()
    }

    /// Makes room for the unescaped strings of an input of `length` bytes
    /// (unescaping never grows a string), so decoding never reallocates midway.
    func reserve(forInput length: Int) {
        let needed = length + 1024
        guard needed > byteCapacity else { return }
        bytes.deallocate()
        byteCapacity = max(needed, byteCapacity * 2)
        bytes = .allocate(capacity: byteCapacity)
    }

    func reset() {
        present = 0
        elementCount = 0
        byteCount = 0
        warningCount = 0
        for i in 0..<dynamicCount { dynamicTypes[i] = 0 }
        for i in 0..<Frame.signalCount { signals[i] = .zero }
    }

    @inline(__always) func isPresent(_ signal: Signal) -> Bool { present & (1 << UInt32(signal.rawValue)) != 0 }

    @inline(__always) func set(_ signal: Signal, _ cell: Cell) {
        signals[Int(signal.rawValue)] = cell
        present |= 1 << UInt32(signal.rawValue)
    }

    /// The bytes of a string cell held in the frame.
    @inline(__always) func frameBytes(_ cell: Cell) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + Int(cell.b), count: Int(cell.c))
    }

    func text(_ range: TableRange) -> String {
        String(decoding: UnsafeBufferPointer(start: bytes + Int(range.start), count: Int(range.count)), as: UTF8.self)
    }
}

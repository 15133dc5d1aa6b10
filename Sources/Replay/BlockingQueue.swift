import Foundation

/// A first-in first-out hand-off between threads. `pop` waits for an element;
/// after `close()` it drains what is left and then returns nil. The pipeline
/// bounds memory with a fixed pool of batch buffers, not with this queue.
final class BlockingQueue<Element>: @unchecked Sendable {
    // Guarded by `condition`; @unchecked because NSCondition is the lock.
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private let condition = NSCondition()

    func push(_ item: Element) {
        condition.lock()
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count && !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return item
    }

    /// Wakes every waiter; later pops return nil once the queue is empty.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

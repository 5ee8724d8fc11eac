import Testing

@testable import MixdownJobs

@Suite("libSQL write gate")
struct HranaWriteGateTests {
    @Test("holders never overlap, and a waiter cancelled in the queue throws without taking a turn")
    func exclusiveAndCancellable() async throws {
        let gate = HranaWriteGate()
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await gate.withPermit {
                try await gate.measuringWrite {
                    enteredContinuation.yield()
                    for await _ in release { break }
                }
            }
        }
        for await _ in entered { break }
        let cancelled = Task { try await gate.withPermit { try await gate.measuringWrite { "ran" } } }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        let writers = (0..<20).map { index in Task { try await gate.withPermit { try await gate.measuringWrite { index } } } }
        releaseContinuation.yield()
        try await holder.value
        var finished: [Int] = []
        for writer in writers { finished.append(try await writer.value) }
        #expect(finished == Array(0..<20))
        #expect(gate.peakWritesInFlight == 1)
    }

    @Test("a waiter whose patience runs out throws the gate's timeout error and the queue moves on")
    func patience() async throws {
        struct Impatient: Error {}
        let gate = HranaWriteGate()
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await gate.withPermit {
                enteredContinuation.yield()
                for await _ in release { break }
            }
        }
        for await _ in entered { break }
        await #expect(throws: Impatient.self) {
            try await gate.withPermit(patience: .milliseconds(20), timeout: { Impatient() }) { "ran" }
        }
        let next = Task { try await gate.withPermit { "next" } }
        releaseContinuation.yield()
        try await holder.value
        #expect(try await next.value == "next")
    }

    @Test("a write that waited out its turn is busy (tried again like SQLITE_BUSY), and past the busy time an outage")
    func queueTimeoutIsBusy() {
        let error = HranaError(code: "WRITE_QUEUE_BUSY", message: "waited")
        #expect(error.isBusy && error.isUnavailable)
        #expect(!HranaError(code: "SQLITE_CONSTRAINT", message: "").isBusy)
    }
}

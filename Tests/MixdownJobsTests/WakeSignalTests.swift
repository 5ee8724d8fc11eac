import Testing

@testable import MixdownJobs

/// The in-process doorbell: a timeout withdraws only its own wait; a ring wakes every waiter; a ring
/// with nobody waiting is kept for the next wait.
@Suite("Wake signal")
struct WakeSignalTests {
    @Test("one waiter timing out leaves the others waiting; a ring then wakes all of them", .timeLimit(.minutes(1)))
    func timeoutWakesNobodyElse() async throws {
        let signal = WakeSignal()
        let finished = Tally()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let rung = await signal.wait(upTo: 600)
                    await finished.add()
                    return rung
                }
            }
            // The event: all three are parked.
            while signal.waiterCount < 3 { await Task.yield() }

            // A fourth wait times out on its own...
            #expect(await signal.wait(upTo: 0.01) == false)
            // ...and the three long waits are still parked: none was resumed, none returned.
            #expect(signal.waiterCount == 3)
            #expect(await finished.count == 0)

            signal.ring()
            var results: [Bool] = []
            for try await rung in group { results.append(rung) }
            #expect(results == [true, true, true])
        }
        #expect(signal.waiterCount == 0)
    }

    @Test("a ring with nobody waiting is kept for the next wait, once")
    func ringIsRemembered() async {
        let signal = WakeSignal()
        signal.ring()
        // Returns at once although the timeout is long: the ring was kept.
        #expect(await signal.wait(upTo: 600) == true)
        // The kept ring was used up.
        #expect(await signal.wait(upTo: 0.01) == false)
        #expect(signal.waiterCount == 0)
    }

    @Test("a cancelled wait returns false and withdraws its entry", .timeLimit(.minutes(1)))
    func cancelledWait() async {
        let signal = WakeSignal()
        let waiting = Task { await signal.wait(upTo: 600) }
        while signal.waiterCount < 1 { await Task.yield() }
        waiting.cancel()
        #expect(await waiting.value == false)
        #expect(signal.waiterCount == 0)
        // Nobody was rung, so nothing is kept for the next wait.
        #expect(await signal.wait(upTo: 0.01) == false)
    }
}

/// Counts waits that returned.
private actor Tally {
    private(set) var count = 0
    func add() { count += 1 }
}

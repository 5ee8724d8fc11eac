import MixdownJobs
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test("ordered ids from one process sort in the order they were made, within one millisecond and when the clock steps back")
    func orderedWithinAMillisecond() {
        // A millisecond far ahead of any real clock, so other tests' ids cannot interleave.
        let now: UInt64 = 0xFFFF_0000_0000
        var ids = (0..<2_000).map { _ in Identifier.makeOrdered(prefix: "job_", milliseconds: now) }
        ids.append(Identifier.makeOrdered(prefix: "job_", milliseconds: now - 5_000))
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { Identifier.isValid($0, prefix: "job_") })
        // Still the same millisecond: the tail grew instead.
        #expect(Set(ids.map { $0.dropFirst(4).prefix(10) }).count == 1)
        // The tail does not grow by one, so the next id is not the last plus one.
        let tails = ids.suffix(3).map { $0.suffix(4) }
        #expect(tails[0] != tails[1] && tails[1] != tails[2])
    }
}

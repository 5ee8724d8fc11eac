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

@Suite("Batch run names")
struct BatchItemNameTests {
    @Test("names are one plain segment each and distinct after cleaning; missing ones are runN")
    func distinct() {
        let names = BatchRun.itemNames(["a b", "a_b", "日本", "中国", nil, "  ", "..", "run5", "x", "x", "x-10", "x"])
        #expect(names == ["a_b", "a_b-2", "__", "__-4", "run5", "run6", "_", "run5-8", "x", "x-10", "x-10-11", "x-12"])
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { !$0.contains("/") && !$0.hasPrefix(".") })
    }
}

import MixdownPlanner
import MixdownRecipe
import Testing

@Suite("Crossfades of one source with itself")
struct FadeJoinTests {
    @Test("nested crossfades that would multiply the reads of one track are refused at the join, before any graph is built")
    func multipliedReads() throws {
        var steps = "  - { id: t0, from: a, trim: { duration: 2s } }\n"
        for level in 1...4 {
            let tracks = Array(repeating: "t\(level - 1)", count: 64).joined(separator: ", ")
            steps += "  - { id: c\(level), concat: { tracks: [\(tracks)], crossfade: 10ms } }\n"
            steps += "  - { id: t\(level), from: c\(level), trim: { duration: 2s } }\n"
        }
        let text = "version: 1\nkind: edit\ninputs: { a: { file: a.wav } }\nsteps:\n\(steps)outputs: { o: { from: t4 } }\n"
        do {
            _ = try Planner().plan(try recipe(text), inputs: [audio("a", seconds: 10)])
            Issue.record("planned")
        } catch {
            let problem = try #require((error as? RecipeError)?.diagnostics.first)
            #expect(problem.code == .tooComplex && problem.location?.line == 6, "\(problem)")
        }
        // Within the bound it plans, one decoder per read.
        let small =
            "version: 1\nkind: edit\ninputs: { a: { file: a.wav } }\nsteps:\n  - concat: { tracks: [a, a, a], crossfade: 1s }\noutputs: { o: {} }\n"
        let plan = try Planner().plan(try recipe(small), inputs: [audio("a", seconds: 10)])
        #expect(plan.stages.count == 1 && plan.stages[0].inputCount == 3 && !plan.stages[0].graph.contains("asplit"))
    }

    @Test("a single-pass loudnorm both sides of a crossfade descend from is not cut into a pipe: it plans and reads the input twice")
    func noPipeThroughSharedLoudnorm() throws {
        let text = """
            version: 1
            kind: edit
            inputs: { a: { file: a.wav } }
            steps:
              - { id: d, from: a, denoise: {} }
              - { id: l, loudnorm: { two_pass: false } }
              - { id: g, gain: -3dB }
              - crossfade: { tracks: [g, g], duration: 1s }
            outputs: { o: {} }
            """
        let plan = try Planner().plan(try recipe(text), inputs: [audio("a", seconds: 10)])
        #expect(plan.stages.allSatisfy { $0.pipesTo == nil && !$0.arguments.contains("pipe:0") })
        #expect(plan.stages.last?.inputCount == 2)
    }
}

import Foundation
import MixdownPlanner
import MixdownRecipe
import MixdownTestSupport
import PropertyBased
import Testing

/// The planner is total: any recipe the parser accepts, and any `Recipe` built by hand, plans or fails
/// with diagnostics; it never traps.
@Suite("Planner safety")
struct PlannerSafetyTests {
    static let lengths: [Double?] = [nil, 0, 0.5, 1, 20, 3600, 86_400 * 30, .infinity, .nan, -1]

    @Test("recipes with clashing names and odd numbers parse and plan without trapping")
    func clashingRecipesPlan() async {
        await propertyCheck(count: 600, input: Gen.int(in: 0..<10_000).array(of: 12...60)) { choices in
            let text = ClashingRecipe.text(choices)
            let recipe: Recipe
            do {
                recipe = try RecipeParser().parse(text, file: "fuzz.yaml")
            } catch let error as RecipeError {
                #expect(!error.diagnostics.isEmpty && error.diagnostics.allSatisfy { $0.location != nil })
                return
            }
            let inputs = recipe.inputs.enumerated().map { index, input in
                PlanInput(
                    name: input.name,
                    path: "/media/\(input.name).wav",
                    facts: MediaFacts(
                        duration: Self.lengths[choices[index % choices.count] % Self.lengths.count],
                        hasAudio: true,
                        hasVideo: false,
                        sampleRate: [8000, 44_100, 48_000][choices[(index + 1) % choices.count] % 3],
                        channels: 2
                    )
                )
            }
            for preview in [nil, PreviewWindow(start: 5, duration: 10)] {
                do {
                    _ = try Planner(options: .init(preview: preview)).plan(recipe, inputs: inputs)
                } catch let error as RecipeError {
                    #expect(!error.diagnostics.isEmpty)
                }
            }
        }
    }

    @Test("a hand-built recipe with repeated names, forward references or too many steps is a diagnostic, not a trap")
    func handBuiltRecipes() throws {
        let base = try recipe(
            "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - { id: a, gain: 1dB }\noutputs: { out: { from: a } }\n"
        )
        let step = try #require(base.steps.first)
        let inputs = [audio("v", seconds: 20)]
        func codes(_ recipe: Recipe) -> [ErrorCode] {
            do {
                _ = try Planner().plan(recipe, inputs: inputs)
                return []
            } catch {
                return error.diagnostics.map(\.code)
            }
        }
        var repeated = base
        repeated.steps = [step, step]
        #expect(codes(repeated) == [.duplicateId])
        var shadowing = base
        shadowing.steps[0].id = "v"
        shadowing.outputs[0].from = "v"
        #expect(codes(shadowing) == [.duplicateId])
        var forward = base
        forward.steps[0].sources = ["later"]
        #expect(codes(forward) == [.unknownReference])
        var crowded = base
        crowded.steps = (0...RecipeParser.defaultMaximumSteps).map { index in
            var copy = step
            copy.id = "s\(index)"
            return copy
        }
        #expect(codes(crowded) == [.tooManySteps])
        var lonely = base
        lonely.steps[0].operation = .crossfade(Crossfade(tracks: ["v"], duration: 1))
        #expect(codes(lonely) == [.missingSource])
    }

    @Test("impossible trims and crossfades are refused with the step, the length and the window")
    func impossibleEdits() throws {
        let text = """
            version: 1
            kind: edit
            inputs: { voice: { upload: true }, sting: { upload: true } }
            steps:
              - { id: late, from: voice, trim: { start: 25s, duration: 5s } }
              - { id: blend, crossfade: { tracks: [voice, sting], duration: 4s } }
            outputs: { a: { from: late }, b: { from: blend } }
            """
        do {
            _ = try Planner().plan(try recipe(text), inputs: [audio("voice", seconds: 20), audio("sting", seconds: 3)])
            Issue.record("impossible edits planned")
        } catch let error as RecipeError {
            #expect(
                error.diagnostics.map(\.message) == [
                    "step 'late': trim (start 25s, duration 5s) leaves nothing of 'voice', which lasts 20s",
                    "step 'blend': a crossfade of 4s is longer than 'sting', which lasts 3s",
                ]
            )
            #expect(error.diagnostics.map { $0.location?.description } == ["r.yaml:5:45", "r.yaml:6:65"])
        }
    }

    @Test("a huge loop of loops is too long instead of overflowing a sample count")
    func loopOfLoops() throws {
        let loops = Array(repeating: "  - loop: { count: 1000 }", count: 8).joined(separator: "\n")
        let looped = try recipe("version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n\(loops)\noutputs: { out: { format: wav } }\n")
        do {
            _ = try Planner().plan(looped, inputs: [audio("v", seconds: 20)])
            Issue.record("a loop of loops planned")
        } catch {
            #expect(error.diagnostics.map(\.code) == [.tooLong])
        }
    }

    @Test("preview windows: out-of-range text, JSON and values are refused")
    func previewWindows() throws {
        for text in ["1e308,10", "nan,10", "inf,10", "-1,10", "10,0", "10,601", "10,1e308", "99999999999999999999h,5"] {
            #expect(PreviewWindow(argument: text) == nil, "\(text)")
        }
        #expect(PreviewWindow(argument: "1m30s,10") == PreviewWindow(start: 90, duration: 10))
        #expect(PreviewWindow(argument: "-0,10")?.start.sign == .plus)

        let decoder = JSONDecoder()
        #expect(try decoder.decode(PreviewWindow.self, from: Data(#"{"start": 90, "duration": 10}"#.utf8)) == PreviewWindow(start: 90, duration: 10))
        for json in [#"{"start": 1e308, "duration": 10}"#, #"{"start": -5, "duration": 10}"#, #"{"start": 0, "duration": 1e300}"#] {
            do {
                _ = try decoder.decode(PreviewWindow.self, from: Data(json.utf8))
                Issue.record("decoded \(json)")
            } catch let DecodingError.dataCorrupted(context) {
                #expect(context.debugDescription.hasPrefix("preview: the "))
            }
        }

        // A window built in code is checked when planning.
        let plain = try recipe("version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: 1dB\noutputs: { out: { format: wav } }\n")
        do {
            _ = try Planner(options: .init(preview: PreviewWindow(start: .nan, duration: 10))).plan(plain, inputs: [audio("v", seconds: 20)])
            Issue.record("a NaN preview planned")
        } catch {
            #expect(error.diagnostics.map(\.code) == [.badPreview])
        }
    }

    @Test("a graph too large for one argument is written to a file by the shell script, which stays runnable")
    func largeGraphInShellScript() throws {
        let bands = (0..<40).map { "{ freq: \(100 + $0 * 10), gain: 0.1 }" }.joined(separator: ", ")
        let steps = Array(repeating: "  - eq: { bands: [\(bands)] }", count: 200).joined(separator: "\n")
        let large = try recipe("version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n\(steps)\noutputs: { out: { format: wav } }\n")
        let script = ShellScript.render(try Planner().plan(large, inputs: [audio("v", seconds: 20)]))
        #expect(script.contains("printf '%s' '[0:a]equalizer="))
        #expect(script.contains("> \"$WORK/render.filtergraph\""))
        #expect(script.contains("-filter_complex_script \"$WORK/render.filtergraph\""))
        #expect(!script.contains("-filter_complex '"))
        // No line but the builtin printf may exceed what execve accepts in one argument.
        for line in script.split(separator: "\n") where !line.hasPrefix("printf") { #expect(line.utf8.count < 128 * 1024) }

        let small = try recipe("version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: 1dB\noutputs: { out: { format: wav } }\n")
        #expect(ShellScript.render(try Planner().plan(small, inputs: [audio("v", seconds: 20)])).contains("-filter_complex '[0:a]volume=1dB[n1]'"))
    }
}

import MixdownPlanner
import MixdownRecipe
import Testing

/// No duration reaches ffmpeg as a value it reads as "unset" or "no limit", and no output is longer than
/// the planner's limit.
@Suite("Duration bounds")
struct DurationBoundsTests {
    /// Values a recipe may write for a duration, including those that print as 0.
    static let written = ["0", "-0", "1e-320", "0.0000004", "0.0009", "0.001", "0.25", "3", "-0.0000004", "-1"]

    /// Every duration-valued parameter of every operation, each with every value in `written`.
    static var cases: [(operation: String, parameter: String, value: String)] {
        OperationCatalogue.all.flatMap { spec in
            spec.parameters.flatMap { parameter -> [(String, String, String)] in
                guard case .duration = parameter.type else { return [] }
                return written.map { (spec.name, parameter.name, $0) }
            }
        }
    }

    /// `(filter option, value)` pairs of a filter graph: `afade=t=in:st=0:d=0.5[s1]` gives `d`, `0.5` among others.
    static func options(in graph: String) -> [(key: String, value: String)] {
        graph.split(whereSeparator: { $0 == ":" || $0 == "," || $0 == ";" || $0 == "\n" }).compactMap { part in
            let pieces = part.split(separator: "=")
            guard pieces.count >= 2 else { return nil }
            let value = pieces[pieces.count - 1].prefix { $0 != "[" }
            return (String(pieces[pieces.count - 2]), String(value))
        }
    }

    /// Filters that follow an endless `aloop` in the same chain.
    static func afterEndlessLoops(in graph: String) -> [String] {
        graph.split(whereSeparator: { $0 == ";" || $0 == "\n" }).flatMap { chain -> [String] in
            let filters = chain.split(separator: ",").map(String.init)
            return filters.indices.compactMap { index in
                guard filters[index].contains("aloop=loop=-1") else { return nil }
                return index + 1 < filters.count ? filters[index + 1] : ""
            }
        }
    }

    @Test("over every duration parameter, a compiled graph has no length of 0 and no endless loop without a positive trim")
    func noUnboundedLengths() throws {
        var planned = 0
        for (operation, parameter, value) in Self.cases {
            let tracks = ["concat", "crossfade"].contains(operation) ? "tracks: [v, w], " : ""
            let from = tracks.isEmpty ? "from: v, " : ""
            let by = operation == "duck" ? "by: w, " : ""
            let text = """
                version: 1
                kind: edit
                inputs: { v: { upload: true }, w: { upload: true } }
                steps:
                  - { id: s, \(from)\(operation): { \(tracks)\(by)\(parameter): \(value) } }
                outputs: { o: { from: s, format: wav } }
                """
            let parsed: Recipe
            do {
                parsed = try recipe(text)
            } catch let error as RecipeError {
                #expect(error.diagnostics.allSatisfy { $0.location != nil }, "\(operation).\(parameter) = \(value)")
                continue
            }
            let plan: Plan
            do {
                plan = try Planner().plan(parsed, inputs: [audio("v", seconds: 5), audio("w", seconds: 5)])
            } catch {
                continue
            }
            planned += 1
            for stage in plan.stages {
                guard let index = stage.arguments.firstIndex(of: "-filter_complex"), index + 1 < stage.arguments.count else { continue }
                let graph = stage.arguments[index + 1]
                for option in Self.options(in: graph) where ["duration", "d", "pad_dur"].contains(option.key) {
                    #expect(Double(option.value).map { $0 > 0 } ?? true, "\(operation).\(parameter) = \(value): \(graph)")
                }
                for next in Self.afterEndlessLoops(in: graph) {
                    let bound = next.hasPrefix("atrim=duration=") ? Double(next.dropFirst("atrim=duration=".count)) : nil
                    #expect((bound ?? 0) > 0, "\(operation).\(parameter) = \(value): \(graph)")
                }
            }
        }
        #expect(planned > 20)
    }

    @Test("a hand-built recipe with a length that prints as 0 is a diagnostic at plan time", arguments: ["loop", "trim", "fade"])
    func handBuiltZeroLengths(operation: String) throws {
        let (parameter, written) = ["loop": ("to", "1s"), "trim": ("duration", "1s"), "fade": ("in", "1s")][operation] ?? ("", "")
        var parsed = try recipe(
            "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - { id: s, \(operation): { \(parameter): \(written) } }\noutputs: { o: { from: s } }\n"
        )
        parsed.steps[0].operation = Operation(try #require(OperationKind(rawValue: operation)), [parameter: .number(.leastNonzeroMagnitude)])
        do {
            _ = try Planner().plan(parsed, inputs: [audio("v", seconds: 5)])
            Issue.record("\(operation).\(parameter) of the least non-zero Double planned")
        } catch {
            #expect(error.diagnostics.map(\.code) == [.badValue])
            #expect(error.diagnostics.first?.location?.line == 5)
        }
    }

    @Test("a crossfade of 0 is a plain join, as long as both tracks")
    func crossfadeOfZero() throws {
        let parsed = try recipe(
            "version: 1\nkind: edit\ninputs: { v: { upload: true }, w: { upload: true } }\nsteps:\n  - crossfade: { tracks: [v, w], duration: 0 }\noutputs: { o: { format: wav } }\n"
        )
        let plan = try Planner().plan(parsed, inputs: [audio("v", seconds: 5), audio("w", seconds: 5)])
        let arguments = plan.stages.flatMap(\.arguments).joined(separator: " ")
        #expect(!arguments.contains("acrossfade"))
        #expect(arguments.contains("concat=n=2:v=0:a=1"))
        #expect(plan.outputs.first?.expectedDuration == 10)
    }

    @Test(
        "an output longer than the limit is too-long, naming the output, its length and the limit",
        arguments: [
            ("loop: { to: 100h }", "output 'long' would last 100h (360000s); the limit is 6h (21600s)"),
            ("loop: { count: 1000 }", "output 'long' would last 500h (1800000s); the limit is 6h (21600s)"),
        ]
    )
    func outputLimit(step: String, message: String) throws {
        let parsed = try recipe(
            "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - \(step)\noutputs:\n  long: { format: wav }\n"
        )
        do {
            _ = try Planner().plan(parsed, inputs: [audio("v", seconds: 1800)])
            Issue.record("\(step) planned")
        } catch {
            #expect(error.diagnostics.map(\.code) == [.tooLong])
            #expect(error.diagnostics.map(\.message) == [message])
            #expect(error.diagnostics.first?.location?.description == "r.yaml:7:3")
        }
        // The limit is the caller's: a larger one lets the same recipe plan.
        _ = try Planner(options: .init(maximumOutputDuration: 600 * 3600)).plan(parsed, inputs: [audio("v", seconds: 1800)])
        #expect(Planner.Options().maximumOutputDuration == 6 * 3600)
    }
}

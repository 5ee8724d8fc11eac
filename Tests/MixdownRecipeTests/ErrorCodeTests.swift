import Foundation
import MixdownRecipe
import Testing

/// One error value with enumerated codes: the docs and the OpenAPI document list exactly these codes,
/// and the value renders the same wherever it is shown.
@Suite("Error codes")
struct ErrorCodeTests {

    @Test("codes are unique kebab-case words with a status, an area and a meaning")
    func codesAreWellFormed() {
        let raw = ErrorCode.allCases.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        for code in ErrorCode.allCases {
            #expect(code.rawValue.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "\(code)")
            #expect((400...599).contains(code.httpStatus), "\(code)")
            #expect(!code.summary.isEmpty && !code.area.isEmpty, "\(code)")
        }
        #expect(ErrorCode.downloadFailed.isRetryable && ErrorCode.workerLost.isRetryable && ErrorCode.storageError.isRetryable)
        #expect(!ErrorCode.invalidRecipe.isRetryable && !ErrorCode.expectationFailed.isRetryable && !ErrorCode.timeout.isRetryable)
    }

    @Test("Docs/errors.md carries the generated list of every code")
    func docsListEveryCode() throws {
        let block = try GeneratedBlock.read("Docs/errors.md", "ERRORS")
        #expect(block == ErrorCode.markdown().trimmingCharacters(in: .whitespacesAndNewlines), "regenerate with: mixdown errors --markdown")
        for code in ErrorCode.allCases { #expect(block.contains("| `\(code.rawValue)` |")) }
    }

    @Test("the OpenAPI document's ErrorCode enum is exactly these codes")
    func openAPIListsEveryCode() throws {
        let document = try String(contentsOf: GeneratedBlock.root.appendingPathComponent("Schemas/openapi.yaml"), encoding: .utf8)
        let schema = try #require(document.range(of: "\n    ErrorCode:\n"))
        let rest = document[schema.upperBound...]
        let list = try #require(rest.range(of: "enum: [")).upperBound
        let close = try #require(rest[list...].firstIndex(of: "]"))
        let listed = rest[list..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(listed == ErrorCode.allCases.map(\.rawValue))
    }

    @Test("an error renders as a compiler-style line, and as JSON with its code, location and retry verdict")
    func renderings() throws {
        let text = "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - loudnorm: { target: -3 }\noutputs: { o: {} }\n"
        var found: RecipeError?
        do { _ = try RecipeParser().parse(text, file: "episode.yaml") } catch { found = error }
        let error = try #require(found?.diagnostics.first)
        #expect(error.code == .outOfRange)
        #expect(error.description == "episode.yaml:5:25: error: 'loudnorm.target' must be within -70..-5 LUFS, not '-3'")
        let data = try JSONEncoder().encode(error)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["code"] as? String == "out-of-range" && json["retryable"] as? Bool == false)
        #expect((json["location"] as? [String: Any])?["line"] as? Int == 5)
        #expect(try JSONDecoder().decode(MixdownError.self, from: data) == error)
        // The whole recipe's error: invalid-recipe, at the first problem, listing each.
        let whole = try #require(found?.error)
        #expect(whole.code == .invalidRecipe && whole.location == error.location && whole.diagnostics == [error])
        // A body problem points into the JSON instead.
        let pointed = MixdownError(.badJson, "'params.lufs' must be a number", pointer: "/params/lufs")
        #expect(pointed.description == "/params/lufs: error: 'params.lufs' must be a number")
    }

    @Test("a code this build does not know reads as internal, keeping the written code in the message")
    func unknownCodeDecodes() throws {
        let data = Data(#"{"code":"unsupported-operation","message":"m","location":null}"#.utf8)
        let error = try JSONDecoder().decode(MixdownError.self, from: data)
        #expect(error.code == .internal && error.message == "[unsupported-operation] m")
    }

    @Test("a bad eq band value is one error, named by its field, not also a missing field")
    func recordFieldErrors() {
        for band in ["{ freq: 50kHz, gain: 1 }", "{ freq: 100, gain: 31 }"] {
            let text = "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - eq: [\(band)]\noutputs: { o: {} }\n"
            var found: [MixdownError] = []
            do { _ = try RecipeParser().parse(text, file: "r.yaml") } catch { found = error.diagnostics }
            #expect(found.map(\.code) == [.outOfRange], "\(found)")
            #expect(found.first?.message.hasPrefix("'eq.bands.") == true, "\(found)")
        }
    }

    @Test("an override's problem points at /params/NAME, in words that fit the CLI and the API")
    func overridePointers() {
        let text = "version: 1\nkind: edit\nparams: { g: -3 }\ninputs: { v: { upload: true } }\nsteps:\n  - gain: \"${g}\"\noutputs: { o: {} }\n"
        var found: [MixdownError] = []
        do {
            _ = try RecipeParser(options: .init(parameterOverrides: ["g": "abc", "a/b": "1"])).parse(text, file: "r.yaml")
        } catch {
            found = error.diagnostics
        }
        #expect(found.map(\.pointer) == ["/params/a~1b", "/params/g"])
        #expect(found.map(\.code) == [.unknownParam, .badParam])
        #expect(found.allSatisfy { $0.location == nil && !$0.message.contains("--set") })
    }
}

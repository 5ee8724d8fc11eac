internal import Yams

/// Turns recipe YAML into a validated ``Recipe``, reporting every problem with its file, line and column.
///
/// The parser never traps and never runs away: documents are capped in size and in the number of nodes
/// visited (which also bounds alias expansion).
public struct RecipeParser: Sendable {
    public struct Options: Sendable {
        /// `--set NAME=VALUE` overrides, checked against the recipe's declared params.
        public var parameterOverrides: [String: String]
        /// The upload inputs the caller will supply; nil skips the check (validation of a bare recipe).
        public var providedUploads: Set<String>?
        /// How the caller supplies uploads, so a missing or unknown one is explained in its own terms.
        public var uploadChannel: UploadChannel = .commandLine
        /// Checks `file:` inputs and caption files, given the path as written; nil skips the check.
        public var fileExists: (@Sendable (String) -> Bool)?
        /// The largest document, in UTF-8 bytes, counted both as written and after `${param}` expansion.
        public var maximumBytes: Int
        public var maximumNodes: Int
        /// The most steps a recipe may hold; a graph past it is refused before anything plans it.
        public var maximumSteps: Int

        public init(
            parameterOverrides: [String: String] = [:],
            providedUploads: Set<String>? = nil,
            fileExists: (@Sendable (String) -> Bool)? = nil,
            maximumBytes: Int = 1 << 20,
            maximumNodes: Int = 100_000,
            maximumSteps: Int = RecipeParser.defaultMaximumSteps
        ) {
            self.parameterOverrides = parameterOverrides
            self.providedUploads = providedUploads
            self.fileExists = fileExists
            self.maximumBytes = maximumBytes
            self.maximumNodes = maximumNodes
            self.maximumSteps = maximumSteps
        }
    }

    /// Where uploads come from: `--input NAME=PATH` on the command line, or a request's `inputs` member
    /// (an asset id) or file part (the HTTP API).
    public enum UploadChannel: Sendable {
        case commandLine
        case request
    }

    /// The documented step limit (`Docs/recipes.md`): far beyond any real edit, small enough that
    /// every plan's filter graph stays a few hundred kilobytes.
    public static let defaultMaximumSteps = 1000

    public var options: Options

    public init(options: Options = Options()) {
        self.options = options
    }

    static let topLevelKeys = ["version", "kind", "name", "description", "params", "render", "inputs", "steps", "outputs"]

    /// Parses and validates; throws a ``RecipeError`` listing every problem.
    public func parse(_ text: String, file: String) throws(RecipeError) -> Recipe {
        let context = ParseContext(file: file, options: options)
        let recipe = context.parseDocument(text)
        if let recipe, context.diagnostics.isEmpty { return recipe }
        throw RecipeError(
            context.diagnostics.isEmpty
                ? [
                    MixdownError(
                        code: .invalidRecipe,
                        message: "the recipe is invalid",
                        location: SourceLocation(file: file, line: 1, column: 1)
                    )
                ] : context.diagnostics
        )
    }
}

/// Mutable state of one parse: the diagnostics found so far and the node budget.
final class ParseContext {
    let file: String
    let options: RecipeParser.Options
    var diagnostics: [MixdownError] = []
    var remainingNodes: Int
    /// UTF-8 bytes of the document plus every byte `${param}` substitution has produced so far.
    var expandedBytes = 0
    /// Set once a limit ends the parse: nothing more is read and no further diagnostics are added,
    /// so one oversized document yields one diagnostic, not one per value.
    var isAbandoned = false
    var params: [String: String] = [:]
    var declaredParams: [String: ParamKind] = [:]

    enum ParamKind { case number, boolean, text }

    init(file: String, options: RecipeParser.Options) {
        self.file = file
        self.options = options
        self.remainingNodes = options.maximumNodes
    }

    // MARK: Diagnostics

    func location(_ node: Node?) -> SourceLocation? {
        guard let mark = node?.mark else { return nil }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    /// Where a node starts; the document's start for the (composed-node-free) case that has no mark.
    func here(_ node: Node) -> SourceLocation {
        location(node) ?? SourceLocation(file: file, line: 1, column: 1)
    }

    func error(_ code: ErrorCode, _ message: String, at node: Node?, suggestion: String? = nil) {
        error(code, message, at: location(node), suggestion: suggestion)
    }

    func error(_ code: ErrorCode, _ message: String, at location: SourceLocation?, pointer: String? = nil, suggestion: String? = nil) {
        guard !isAbandoned else { return }
        diagnostics.append(MixdownError(code, message, location: location, pointer: pointer, suggestion: suggestion))
        if diagnostics.count == Self.maximumDiagnostics {
            // A thousand broken steps need not produce a thousand messages; the first hundred show the pattern.
            abandon(.tooManyErrors, "stopped after \(Self.maximumDiagnostics) problems", at: location)
        }
    }

    static let maximumDiagnostics = 100

    /// Reports a limit that ends the parse, then ignores everything after it.
    func abandon(_ code: ErrorCode, _ message: String, at location: SourceLocation?) {
        error(code, message, at: location)
        isAbandoned = true
    }

    /// Counts a visited node; false once the budget is spent (reported once) or the parse was abandoned.
    func spend(_ node: Node) -> Bool {
        guard !isAbandoned else { return false }
        remainingNodes -= 1
        if remainingNodes == -1 {
            error(.tooComplex, "the recipe has more than \(options.maximumNodes) YAML nodes (aliases count each time they are used)", at: node)
        }
        return remainingNodes >= 0
    }

    // MARK: Document

    func parseDocument(_ text: String) -> Recipe? {
        guard text.utf8.count <= options.maximumBytes else {
            error(
                .tooLarge,
                "the recipe is \(text.utf8.count) bytes; the limit is \(options.maximumBytes)",
                at: SourceLocation(file: file, line: 1, column: 1)
            )
            return nil
        }
        expandedBytes = text.utf8.count
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let yamlError as YamlError {
            reportYAMLError(yamlError)
            return nil
        } catch {
            self.error(.yaml, "YAML: \(Excerpt.excerpt("\(error)"))", at: SourceLocation(file: file, line: 1, column: 1))
            return nil
        }
        guard let root, case .mapping(let mapping) = root else {
            self.error(
                .notAMapping,
                "a recipe is a YAML mapping with 'version', 'kind', 'inputs', 'steps' and 'outputs'",
                at: location(root ?? nil) ?? SourceLocation(file: file, line: 1, column: 1)
            )
            return nil
        }
        return parseRoot(root, mapping)
    }

    func reportYAMLError(_ yamlError: YamlError) {
        let start = SourceLocation(file: file, line: 1, column: 1)
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            // libyaml's own words, never the document's text: no excerpt needed.
            error(.yamlSyntax, "YAML syntax: \(prefix)\(problem)", at: SourceLocation(file: file, line: mark.line, column: mark.column))
        case .reader(let problem, let offset, _, let yaml):
            error(.yamlEncoding, "YAML: \(problem)", at: offset.map { position(ofCharacter: $0, in: yaml) } ?? start)
        case .duplicatedKeysInMapping(let duplicates, let context):
            error(
                .duplicateKey,
                "duplicate key \(duplicates.prefix(3).map(Excerpt.quoted).joined(separator: ", ")) in a mapping",
                at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
            )
        default:
            error(.yaml, "YAML: \(Excerpt.excerpt("\(yamlError)"))", at: start)
        }
    }

    /// Line and column (1-based, in characters) of the character `offset` characters into `text`, as Yams
    /// reports a reader problem such as a control character.
    func position(ofCharacter offset: Int, in text: String) -> SourceLocation {
        var line = 1
        var column = 1
        for character in text.prefix(max(0, offset)) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    func parseRoot(_ root: Node, _ mapping: Node.Mapping) -> Recipe? {
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard spend(key) else { return nil }
            guard let name = key.scalar?.string else {
                error(.badKey, "keys must be plain words", at: key)
                continue
            }
            guard RecipeParser.topLevelKeys.contains(name) else {
                error(
                    .unknownKey,
                    "unknown top-level key \(Excerpt.quoted(name))",
                    at: key,
                    suggestion: Suggestion.closest(to: name, in: RecipeParser.topLevelKeys)
                )
                continue
            }
            fields[name] = value
        }
        let rootLocation = location(root)

        var version = 1
        if let node = fields["version"] {
            if let text = node.scalar?.string, let value = Int(text) {
                if value != 1 { error(.unsupportedVersion, "recipe version \(value) is not supported; this mixdown reads version 1", at: node) }
                version = value
            } else {
                error(.badValue, "'version' must be the number 1", at: node)
            }
        } else {
            error(.missingKey, "missing required key 'version' (use 'version: 1')", at: rootLocation)
        }

        var kind = JobKind.edit
        if let node = fields["kind"] {
            if let text = node.scalar?.string, let value = JobKind(rawValue: text) {
                kind = value
            } else {
                let text = node.scalar?.string ?? ""
                error(
                    .badValue,
                    "'kind' must be one of \(JobKind.allCases.map(\.rawValue).joined(separator: ", "))",
                    at: node,
                    suggestion: Suggestion.closest(to: text, in: JobKind.allCases.map(\.rawValue))
                )
            }
        } else {
            error(.missingKey, "missing required key 'kind' (ingest, edit or render)", at: rootLocation)
        }

        var name: String?
        if let node = fields["name"] {
            if let text = node.scalar?.string, Self.isSlug(text) {
                name = text
            } else {
                error(.badValue, "'name' must be a slug: letters, digits, '-' and '_', at most 64", at: node)
            }
        }

        if let node = fields["params"] { parseParams(node) }
        applyOverrides()
        let renderDevice = fields["render"].flatMap { parseRender($0, kind: kind) }

        let inputs = fields["inputs"].map(parseInputs) ?? []
        let steps = fields["steps"].map { parseSteps($0, inputs: inputs) } ?? []
        guard !isAbandoned else { return nil }
        let ordered = orderAndType(steps, inputs: inputs)
        let outputs = parseOutputs(fields["outputs"], root: root, inputs: inputs, steps: ordered, listOrder: steps)
        guard !isAbandoned else { return nil }
        if inputs.isEmpty {
            error(.noInputs, "a recipe needs at least one input under 'inputs'", at: fields["inputs"] ?? root)
        }
        return Recipe(
            version: version,
            kind: kind,
            name: name,
            params: params,
            inputs: inputs,
            steps: ordered,
            outputs: outputs,
            renderDevice: renderDevice,
            file: file
        )
    }

    static func isSlug(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCII, CharacterSet.letters.contains(first) || first == "_" else { return false }
        return isSlug(text)
    }
}

/// ASCII character classes without Foundation, so the language module stays light.
struct CharacterSet {
    let test: @Sendable (Unicode.Scalar) -> Bool
    func contains(_ scalar: Unicode.Scalar) -> Bool { test(scalar) }
    static let letters = CharacterSet { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
    static let alphanumerics = CharacterSet { letters.contains($0) || ("0"..."9").contains($0) }
}

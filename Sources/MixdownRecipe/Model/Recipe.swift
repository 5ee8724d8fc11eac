/// A parsed, validated recipe: every reference resolves, every stream type matches, steps are in
/// dependency order. Only the planner's probes (durations, rates) remain unknown.
public struct Recipe: Sendable, Hashable, Codable {
    public var version: Int
    public var kind: JobKind
    public var name: String?
    /// Parameter values after `--set` overrides, as text.
    public var params: [String: String]
    public var inputs: [RecipeInput]
    /// In topological order: every step comes after the steps it reads.
    public var steps: [RecipeStep]
    public var outputs: [RecipeOutput]
    /// `render: { device: ... }`; nil leaves the choice to the server's default.
    public var renderDevice: RenderDevice?
    /// The recipe file as named by the user, for messages.
    public var file: String

    public init(
        version: Int,
        kind: JobKind,
        name: String?,
        params: [String: String],
        inputs: [RecipeInput],
        steps: [RecipeStep],
        outputs: [RecipeOutput],
        renderDevice: RenderDevice? = nil,
        file: String
    ) {
        self.version = version
        self.kind = kind
        self.name = name
        self.params = params
        self.inputs = inputs
        self.steps = steps
        self.outputs = outputs
        self.renderDevice = renderDevice
        self.file = file
    }

    public func input(named name: String) -> RecipeInput? { inputs.first { $0.name == name } }
    public func step(id: String) -> RecipeStep? { steps.first { $0.id == id } }

    /// The type of the stream a name refers to.
    public func streamType(of name: String) -> StreamType? {
        step(id: name)?.output ?? input(named: name)?.type
    }
}

extension Recipe {
    /// The inputs some step or output reads; the others are never fetched, probed or dispatched.
    public var usedInputNames: Set<String> {
        let read = Set(steps.flatMap(\.sources)).union(outputs.map(\.from))
        return Set(inputs.map(\.name)).intersection(read)
    }
}

/// A recipe input as the planner sees it: resolved to a local file and probed.
public struct PlanInput: Sendable, Hashable, Codable {
    public var name: String
    public var path: String
    public var facts: MediaFacts

    public init(name: String, path: String, facts: MediaFacts) {
        self.name = name
        self.path = path
        self.facts = facts
    }
}

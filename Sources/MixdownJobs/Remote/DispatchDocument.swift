public import Foundation
public import MixdownPlanner
public import MixdownRecipe
import MixdownStorage

/// What a worker sends a render service (`POST /v1/dispatch`), protocol version 1 (Docs/render-dispatch.md).
///
/// It carries the recipe rather than only the worker's plan: a plan names files and encoders of the machine
/// it was made on, and the render service plans again for its own (its inputs, fonts and NVENC). The
/// worker's plan rides along for logs and comparison.
public struct DispatchDocument: Sendable, Codable {
    public static let protocolVersion = 1
    /// Bounds on what one document may ask for: a render service reads it from the network.
    public static let maximumInputs = 64
    public static let maximumOutputs = 64
    public static let maximumRecipeBytes = 256 * 1024
    public static let maximumURLBytes = 8 * 1024

    public var `protocol`: Int
    public var jobId: String
    /// Names this dispatch of the job; echoed in every callback, so the API tells a report of this run
    /// from a late one of an earlier run of the same job.
    public var dispatchId: String
    /// The recipe text, and the `--set` values and preview window it runs with.
    public var recipe: String
    public var overrides: [String: String]
    public var preview: PreviewWindow?
    /// The worker's plan, for reference; the render service plans again.
    public var plan: Plan?
    /// Each recipe input's bytes: a URL to GET.
    public var inputs: [String: String]
    public var outputs: [String: DispatchOutput]
    public var callbackUrl: String
    /// Past this the service stops and reports failure.
    public var deadline: Date

    public init(
        jobId: String,
        dispatchId: String = UUID().uuidString,
        recipe: String,
        overrides: [String: String] = [:],
        preview: PreviewWindow? = nil,
        plan: Plan? = nil,
        inputs: [String: String],
        outputs: [String: DispatchOutput],
        callbackUrl: String,
        deadline: Date
    ) {
        self.protocol = Self.protocolVersion
        self.jobId = jobId
        self.dispatchId = dispatchId
        self.recipe = recipe
        self.overrides = overrides
        self.preview = preview
        self.plan = plan
        self.inputs = inputs
        self.outputs = outputs
        self.callbackUrl = callbackUrl
        self.deadline = deadline
    }

    /// Refuses a document this version cannot run, naming the member at fault.
    public func validate() throws(MixdownError) {
        func refuse(_ pointer: String, _ message: String) -> MixdownError {
            MixdownError(.badJson, message, pointer: pointer)
        }
        guard self.protocol == Self.protocolVersion else {
            throw refuse("/protocol", "this render service speaks protocol \(Self.protocolVersion), not \(self.protocol)")
        }
        guard Identifier.isValid(jobId, prefix: "job_") else { throw refuse("/jobId", "not a job id (job_ and 26 characters)") }
        guard RenderCallback.isValidDispatchId(dispatchId) else {
            throw refuse("/dispatchId", "a dispatch id is 1 to 128 letters, digits, '-' or '_'")
        }
        guard recipe.utf8.count <= Self.maximumRecipeBytes else { throw refuse("/recipe", "the recipe passes \(Self.maximumRecipeBytes) bytes") }
        guard inputs.count <= Self.maximumInputs else { throw refuse("/inputs", "more than \(Self.maximumInputs) inputs") }
        guard !outputs.isEmpty, outputs.count <= Self.maximumOutputs else {
            throw refuse("/outputs", "1 to \(Self.maximumOutputs) outputs")
        }
        for (name, url) in inputs where !Self.isHTTPURL(url) {
            throw refuse("/inputs/\(name)", "input '\(Excerpt.excerpt(name))' needs an http(s) URL")
        }
        for (name, output) in outputs {
            guard Self.isHTTPURL(output.url) else { throw refuse("/outputs/\(name)/url", "output '\(Excerpt.excerpt(name))' needs an http(s) URL") }
            guard output.key.utf8.count <= 1024, !output.key.isEmpty else { throw refuse("/outputs/\(name)/key", "a storage key is 1 to 1024 bytes") }
        }
        guard Self.isHTTPURL(callbackUrl) else { throw refuse("/callbackUrl", "the callback needs an http(s) URL") }
        guard overrides.count <= 64 else { throw refuse("/overrides", "more than 64 parameters") }
        for (name, value) in overrides where name.utf8.count > 64 || value.utf8.count > 4096 {
            throw refuse("/overrides", "a parameter name passes 64 bytes or its value 4 KiB")
        }
        for (name, output) in outputs {
            guard (try? StorageKey(output.key)) != nil else {
                throw refuse("/outputs/\(name)/key", "not a storage key (no '..', no control characters)")
            }
            guard (1...255).contains(output.contentType.utf8.count),
                output.contentType.unicodeScalars.allSatisfy({ (0x20..<0x7F).contains($0.value) })
            else { throw refuse("/outputs/\(name)/contentType", "a content type is 1 to 255 printable ASCII characters") }
        }
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0, remaining <= 7 * 86_400 else { throw refuse("/deadline", "the deadline must lie between now and 7 days ahead") }
    }

    static func isHTTPURL(_ text: String) -> Bool {
        guard text.utf8.count <= maximumURLBytes, let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host else {
            return false
        }
        return (scheme == "http" || scheme == "https") && !host.isEmpty
    }
}

/// Where one output's bytes go: a URL to PUT them to, and the storage key they land under.
public struct DispatchOutput: Sendable, Hashable, Codable {
    public var url: String
    public var key: String
    public var contentType: String

    public init(url: String, key: String, contentType: String) {
        self.url = url
        self.key = key
        self.contentType = contentType
    }
}

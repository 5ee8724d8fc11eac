public import MixdownExecution
public import MixdownRecipe

/// How a render node (`mixdown render-node`) runs.
public struct RenderNodeConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8090
    /// `RENDER_TOKEN`: what a dispatcher sends as `Authorization: Bearer`.
    public var token: String
    /// `INTERNAL_WEBHOOK_SECRET`: what the node sends with each callback.
    public var callbackSecret: String
    /// `MIXDOWN_RENDER_CALLBACK_ORIGIN`: the API (`scheme://host[:port]`) the node calls back to; a
    /// dispatch naming another callback is refused, since the callback carries the secret.
    public var callbackOrigin: String
    /// `MIXDOWN_RENDER_CONCURRENCY`: dispatches run at once; past it a dispatch gets 429.
    public var concurrency = 1
    /// Where each dispatch gets a folder of its own, removed when it ends.
    public var workDirectory: String
    public var tools: MediaTools
    /// Caps on each downloaded input. Private addresses are allowed by default: the dispatcher is
    /// authenticated, and its storage may sit beside the node.
    public var limits = InputLimits(allowPrivateAddresses: true)
    public var renderDevice = RenderDevice.auto
    /// Callback attempts (1 s apart, doubling, at most 60 s) before the node gives up on one.
    public var callbackAttempts = 8
    /// The most bytes a dispatch document may have.
    public var maximumDocumentBytes = 1 << 20

    public init(token: String, callbackSecret: String, callbackOrigin: String, workDirectory: String, tools: MediaTools) {
        self.token = token
        self.callbackSecret = callbackSecret
        self.callbackOrigin = callbackOrigin
        self.workDirectory = workDirectory
        self.tools = tools
    }
}

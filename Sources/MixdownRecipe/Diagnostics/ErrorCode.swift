/// Every error code mixdown reports, in the CLI, in HTTP problem documents and in failed jobs.
///
/// Stable: a code keeps its meaning, and new codes are added rather than old ones reused. `Docs/errors.md`
/// lists them all (generated from ``ErrorCode/markdown()``).
public enum ErrorCode: String, CaseIterable, Sendable, Hashable, Codable {
    // Recipe documents
    case yaml
    case yamlSyntax = "yaml-syntax"
    case yamlEncoding = "yaml-encoding"
    case encoding
    case unreadable
    case tooComplex = "too-complex"
    case tooManyErrors = "too-many-errors"
    case unsupportedVersion = "unsupported-version"
    case notAMapping = "not-a-mapping"
    case missingKey = "missing-key"
    case unknownKey = "unknown-key"
    case duplicateKey = "duplicate-key"
    case badKey = "bad-key"
    case badName = "bad-name"
    case badValue = "bad-value"
    case outOfRange = "out-of-range"
    case badParam = "bad-param"
    case unknownParam = "unknown-param"
    case badSubstitution = "bad-substitution"
    case badInput = "bad-input"
    case noInputs = "no-inputs"
    case missingInput = "missing-input"
    case unknownInput = "unknown-input"
    case badUrl = "bad-url"
    case badStep = "bad-step"
    case noOperation = "no-operation"
    case unknownOperation = "unknown-operation"
    case twoOperations = "two-operations"
    case badArguments = "bad-arguments"
    case unknownParameter = "unknown-parameter"
    case missingParameter = "missing-parameter"
    case conflictingParameters = "conflicting-parameters"
    case unexpectedFrom = "unexpected-from"
    case missingFrom = "missing-from"
    case unknownReference = "unknown-reference"
    case typeMismatch = "type-mismatch"
    case duplicateId = "duplicate-id"
    case cycle
    case tooManySteps = "too-many-steps"
    case invalidRecipe = "invalid-recipe"
    // Planning
    case tooLong = "too-long"
    case tooLarge = "too-large"
    case badPreview = "bad-preview"
    case emptyEdit = "empty-edit"
    case unknownDuration = "unknown-duration"
    case missingSource = "missing-source"
    case unresolvedInput = "unresolved-input"
    case noAudio = "no-audio"
    case wrongKind = "wrong-kind"
    // Inputs
    case missingFile = "missing-file"
    case downloadFailed = "download-failed"
    case privateAddress = "private-address"
    case inputTooLarge = "input-too-large"
    case inputTooLong = "input-too-long"
    case unsupportedContainer = "unsupported-container"
    case unreadableMedia = "unreadable-media"
    case unknownAsset = "unknown-asset"
    case assetUnavailable = "asset-unavailable"
    case fileInputNotAllowed = "file-input-not-allowed"
    // Running
    case ffmpegFailed = "ffmpeg-failed"
    case measureFailed = "measure-failed"
    case emptyOutput = "empty-output"
    case outputMissing = "output-missing"
    case publishFailed = "publish-failed"
    case workWriteFailed = "work-write-failed"
    case expectationFailed = "expectation-failed"
    case cancelled
    case timeout
    case workerLost = "worker-lost"
    case renderServiceUnavailable = "render-service-unavailable"
    case renderServiceRefused = "render-service-refused"
    case remoteRenderFailed = "remote-render-failed"
    case outputMismatch = "output-mismatch"
    // Storage
    case invalidKey = "invalid-key"
    case storageError = "storage-error"
    case storageRefused = "storage-refused"
    case backendUnavailable = "backend-unavailable"
    // HTTP API
    case badRequest = "bad-request"
    case badBody = "bad-body"
    case badJson = "bad-json"
    case badMultipart = "bad-multipart"
    case badQuery = "bad-query"
    case badIdempotencyKey = "bad-idempotency-key"
    case badNotifyUrl = "bad-notify-url"
    case badSignature = "bad-signature"
    case unauthorized
    case notFound = "not-found"
    case methodNotAllowed = "method-not-allowed"
    case missingRecipe = "missing-recipe"
    case unsupportedMediaType = "unsupported-media-type"
    case idempotencyConflict = "idempotency-conflict"
    case jobFinished = "job-finished"
    case notRetryable = "not-retryable"
    case rangeNotSatisfiable = "range-not-satisfiable"
    case busy
    case notReady = "not-ready"
    case httpError = "http-error"
    case `internal`

    /// Whether another attempt at the same work may succeed (a download, an outage); a worker retries these.
    public var isRetryable: Bool {
        switch self {
        case .downloadFailed, .assetUnavailable, .workerLost, .renderServiceUnavailable, .storageError, .backendUnavailable, .busy, .notReady,
            .internal:
            true
        default: false
        }
    }

    /// The HTTP status a problem document with this code answers with.
    public var httpStatus: Int {
        switch self {
        case .invalidKey, .badRequest, .badBody, .badJson, .badMultipart, .badQuery, .badIdempotencyKey, .missingRecipe, .httpError: 400
        case .unauthorized: 401
        case .badSignature: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .cancelled, .idempotencyConflict, .jobFinished, .notRetryable: 409
        case .tooLarge, .inputTooLarge: 413
        case .unsupportedMediaType: 415
        case .rangeNotSatisfiable: 416
        case .unresolvedInput, .ffmpegFailed, .measureFailed, .emptyOutput, .outputMissing, .publishFailed, .workWriteFailed, .internal: 500
        case .downloadFailed, .storageRefused, .renderServiceRefused, .remoteRenderFailed: 502
        case .assetUnavailable, .workerLost, .renderServiceUnavailable, .storageError, .backendUnavailable, .busy, .notReady: 503
        case .timeout: 504
        default: 422
        }
    }

    /// What the code means, for `Docs/errors.md` and `mixdown errors`.
    public var summary: String {
        switch self {
        case .yaml: "Another error from the YAML reader (libyaml); the message has its words."
        case .yamlSyntax: "The YAML itself is malformed; the location is where libyaml stopped."
        case .yamlEncoding: "The document is not UTF-8 text."
        case .encoding: "A recipe file could not be read as UTF-8 text."
        case .unreadable: "A recipe file or a file it names could not be read."
        case .tooComplex: "The document has more YAML nodes than the parser's budget (for example an alias bomb)."
        case .tooManyErrors: "More problems than are listed; fix these and validate again."
        case .unsupportedVersion: "`version` is not a version this mixdown reads (1)."
        case .notAMapping: "A value that must be a mapping (`key: value` pairs) is something else."
        case .missingKey: "A required key is missing (`version`, `kind`, `inputs`, `outputs`, an output's `from`, ...)."
        case .unknownKey: "A key the recipe language does not have; the message suggests the closest one."
        case .duplicateKey: "The same key twice in one mapping."
        case .badKey: "A key that is not a plain word."
        case .badName: "An input or output name that is not a valid identifier."
        case .badValue: "A value of the wrong shape or unit (a duration that is not one, a colour that is not one, ...)."
        case .outOfRange: "A number outside its parameter's range; the message gives the range."
        case .badParam: "A `params` value, or a `--set` override, that is not a number, text or boolean of the param's type."
        case .unknownParam: "`${name}` names a param the recipe does not declare."
        case .badSubstitution: "A `${...}` that is not a well-formed substitution."
        case .badInput: "An input that does not have exactly one source (`upload`, `file`, `url`, `youtube`, `asset`)."
        case .noInputs: "The recipe declares no inputs."
        case .missingInput: "An input the recipe declares was not given (an upload missing from the request or the command line)."
        case .unknownInput: "A file or upload given for an input the recipe does not declare."
        case .badUrl: "A URL input that is not http(s), or is otherwise unusable."
        case .badStep: "A step that is not a mapping with one operation."
        case .noOperation: "A step without an operation."
        case .unknownOperation: "An operation the language does not have; the message suggests the closest one."
        case .twoOperations: "A step with more than one operation; split it into two steps."
        case .badArguments: "An operation's arguments are neither a mapping nor its shorthand."
        case .unknownParameter: "A parameter the operation does not take."
        case .missingParameter: "A required parameter is missing."
        case .conflictingParameters: "Parameters that cannot be given together (`trim`'s `end` and `duration`)."
        case .unexpectedFrom: "`from` on an operation that names its tracks in its arguments."
        case .missingFrom: "An output or step reads nothing; say which step it takes with `from`."
        case .unknownReference: "A name that is neither an input nor an earlier step."
        case .typeMismatch: "A stream of the wrong type (video into an audio operation, data into a media output)."
        case .duplicateId: "A step id or input name used twice."
        case .cycle: "Steps that read each other in a loop."
        case .tooManySteps: "More steps than the limit."
        case .invalidRecipe: "The recipe has problems; each is listed with its location."
        case .tooLong: "An input or a result longer than the limit."
        case .tooLarge: "A request, upload, recipe or value larger than its limit."
        case .badPreview: "A preview window that is not a non-negative start and a positive length within the limits."
        case .emptyEdit: "An edit that leaves nothing (a trim past the end, a crossfade longer than a track, a preview after the end)."
        case .unknownDuration: "A step needs a length that is unknown at that point (after `trim_silence`, or of a still image)."
        case .missingSource: "A join with fewer tracks than it needs (only a recipe built in code can have one)."
        case .unresolvedInput: "An input was not resolved to a file before planning."
        case .noAudio: "An audio input with no audio stream."
        case .wrongKind: "A recipe of a kind the route does not run."
        case .missingFile: "A file input that does not exist."
        case .downloadFailed: "A URL or YouTube input could not be downloaded; another attempt may succeed."
        case .privateAddress: "A URL that resolves to a private, loopback or link-local address."
        case .inputTooLarge: "An input larger than the size limit."
        case .inputTooLong: "An input longer than the duration limit."
        case .unsupportedContainer: "A file whose container is not one mixdown reads."
        case .unreadableMedia: "A file ffprobe cannot read as media."
        case .unknownAsset: "An `asset` input, or an asset id, that does not exist."
        case .assetUnavailable: "An asset exists but its bytes cannot be read from storage now."
        case .fileInputNotAllowed: "A `file` input in a recipe submitted over HTTP; upload the file instead."
        case .ffmpegFailed: "ffmpeg exited with an error; the message carries the end of its log."
        case .measureFailed: "Loudness or peaks could not be measured (for example a NaN sample)."
        case .emptyOutput: "ffmpeg wrote an output with no audio."
        case .outputMissing: "An output ffmpeg should have written is missing."
        case .publishFailed: "The outputs could not be moved into place; none was published."
        case .workWriteFailed: "A work file could not be written."
        case .expectationFailed: "An output missed its `expect`; the rejected outputs are kept to listen to."
        case .cancelled: "The run or job was cancelled."
        case .timeout: "The job ran past its job type's time limit."
        case .workerLost: "The worker running the job stopped renewing its lease; the job is retried."
        case .renderServiceUnavailable:
            "The remote render service could not be reached, was busy until the job's time ran out, or stopped the render (it shut down); the job is retried."
        case .renderServiceRefused:
            "The remote render service refused the dispatch (a wrong `RENDER_TOKEN`, a document it will not run); another attempt will not help."
        case .remoteRenderFailed:
            "The remote render service reported that the render failed, with a code this mixdown does not know; the message has its words."
        case .outputMismatch: "A render service reported an output that storage does not hold with the reported size and SHA-256."
        case .invalidKey: "A storage key that is empty, absolute or walks out of its folder."
        case .storageError: "The object store failed; another attempt may succeed."
        case .storageRefused: "The object store refused the request (credentials, bucket, permissions); another attempt will not help."
        case .backendUnavailable: "The job store or the object store cannot be reached now."
        case .badRequest: "A request the server cannot read."
        case .badBody: "A request body of the wrong shape."
        case .badJson: "A JSON body that does not parse, or has the wrong members."
        case .badMultipart: "A multipart body that does not parse, or has the wrong parts."
        case .badQuery: "A query parameter with a bad value."
        case .badIdempotencyKey: "An `Idempotency-Key` header that is too long or not printable."
        case .badNotifyUrl: "A `notify` URL that is not https, or points at a private address."
        case .badSignature: "A signed URL whose signature is wrong or expired."
        case .unauthorized: "A missing or wrong API key or token."
        case .notFound: "No such job, asset or route."
        case .methodNotAllowed: "The route does not take this method."
        case .missingRecipe: "A submission without a recipe."
        case .unsupportedMediaType: "A request body of a content type the route does not take."
        case .idempotencyConflict: "An `Idempotency-Key` reused for a different request."
        case .jobFinished: "The job has already finished, so it cannot be cancelled."
        case .notRetryable: "Only a job that failed or was cancelled can be retried; this one is queued, running or succeeded."
        case .rangeNotSatisfiable: "A `Range` outside the asset."
        case .busy: "The server is at its limit of concurrent transfers (`MIXDOWN_MAX_CONCURRENT_UPLOADS`: uploads, forms, and requests whose planning downloads media); try again shortly."
        case .notReady: "The server cannot reach its job store or storage yet."
        case .httpError: "Another HTTP error; the status says which."
        case .internal: "An unexpected error; the message (or, over HTTP, the server log under the reference given) has the details."
        }
    }

    /// Where the code belongs, for grouping in the docs.
    public var area: String {
        switch self {
        case .yaml, .yamlSyntax, .yamlEncoding, .encoding, .unreadable, .tooComplex, .tooManyErrors, .unsupportedVersion, .notAMapping, .missingKey,
            .unknownKey, .duplicateKey, .badKey, .badName, .badValue, .outOfRange, .badParam, .unknownParam, .badSubstitution, .badInput, .noInputs,
            .missingInput, .unknownInput, .badUrl, .badStep, .noOperation, .unknownOperation, .twoOperations, .badArguments, .unknownParameter,
            .missingParameter, .conflictingParameters, .unexpectedFrom, .missingFrom, .unknownReference, .typeMismatch, .duplicateId, .cycle,
            .tooManySteps, .invalidRecipe:
            "Recipe documents"
        case .tooLong, .tooLarge, .badPreview, .emptyEdit, .unknownDuration, .missingSource, .unresolvedInput, .noAudio, .wrongKind: "Planning"
        case .missingFile, .downloadFailed, .privateAddress, .inputTooLarge, .inputTooLong, .unsupportedContainer, .unreadableMedia, .unknownAsset,
            .assetUnavailable, .fileInputNotAllowed:
            "Inputs"
        case .ffmpegFailed, .measureFailed, .emptyOutput, .outputMissing, .publishFailed, .workWriteFailed, .expectationFailed, .cancelled, .timeout,
            .workerLost, .renderServiceUnavailable, .renderServiceRefused, .remoteRenderFailed, .outputMismatch:
            "Running"
        case .invalidKey, .storageError, .storageRefused, .backendUnavailable: "Storage"
        case .badRequest, .badBody, .badJson, .badMultipart, .badQuery, .badIdempotencyKey, .badNotifyUrl, .badSignature, .unauthorized, .notFound,
            .methodNotAllowed, .missingRecipe, .unsupportedMediaType, .idempotencyConflict, .jobFinished, .notRetryable, .rangeNotSatisfiable, .busy,
            .notReady, .httpError, .internal:
            "HTTP API"
        }
    }
}

extension ErrorCode: CustomStringConvertible {
    /// The code as clients see it (`download-failed`), wherever it is interpolated.
    public var description: String { rawValue }
}

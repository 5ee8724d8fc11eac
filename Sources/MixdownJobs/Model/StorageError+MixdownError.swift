public import MixdownRecipe
public import MixdownStorage

extension StorageError {
    /// The failure as the error a job records and the API answers. The storage layer sits beside the
    /// language, not above it, so the mapping lives here, where both are known. An object that is not
    /// there is an asset whose bytes cannot be read now (storage may be catching up, or be restored).
    public var error: MixdownError {
        switch self {
        case .invalidKey: MixdownError(.invalidKey, description)
        case .notFound: MixdownError(.assetUnavailable, description)
        case .io: MixdownError(.storageError, description)
        }
    }
}

extension S3Error {
    /// A server-side failure, throttling or a lost connection may pass; a refusal (credentials, bucket,
    /// permissions) will not.
    public var error: MixdownError {
        MixdownError(isRetryable ? .storageError : .storageRefused, description)
    }
}

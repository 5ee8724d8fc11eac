public import MixdownRecipe
public import MixdownStorage

extension StorageError {
    /// The failure as the error a job records and the API answers. The storage layer sits beside the
    /// language, not above it, so the mapping lives here, where both are known.
    public var error: MixdownError {
        switch self {
        case .invalidKey: MixdownError(.invalidKey, description)
        case .notFound: MixdownError(.notFound, description)
        case .io: MixdownError(.storageError, description)
        }
    }
}

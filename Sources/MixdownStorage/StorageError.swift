/// Why a storage operation failed.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidKey(String, String)
    case notFound(String)
    case io(String)

    public var description: String {
        switch self {
        case .invalidKey(let key, let why): "invalid storage key '\(key)': \(why)"
        case .notFound(let key): "no object at '\(key)'"
        case .io(let message): message
        }
    }
}

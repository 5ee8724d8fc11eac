/// Finds the local file of a stored asset; the job system provides one, the bare CLI has none.
public protocol AssetResolver: Sendable {
    func localPath(forAsset id: String) async throws -> String
}

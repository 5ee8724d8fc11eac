internal import Hummingbird

/// `/v1/storage/object`: a local storage folder's objects, read and written through URLs a worker signed
/// (`MIXDOWN_SIGNING_KEY`) for a render service, in the group without the API key: the signature, which
/// names the method, the key and an expiry, is the authorization.
struct StorageController {
    let api: MixdownAPI

    func addRoutes(to signed: some RouterMethods<BasicRequestContext>) {
        signed.get("storage/object") { request, context in try await api.storageObject(request, context) }
        signed.put("storage/object") { request, context in try await api.putStorageObject(request, context) }
    }
}

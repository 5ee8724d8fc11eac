import MixdownJobs
import MixdownRecipe
import MixdownStorage
import Testing

/// Storage failures become errors whose code says whether a job should try again.
@Suite("Storage error mapping")
struct ErrorMappingTests {
    @Test("a missing object is an asset that cannot be read now (retried); a bad key is not retried")
    func storageErrors() {
        #expect(StorageError.notFound("uploads/a.wav").error.code == .assetUnavailable)
        #expect(StorageError.notFound("uploads/a.wav").error.isRetryable)
        #expect(StorageError.io("disk full").error.code == .storageError)
        #expect(!StorageError.invalidKey("../x", "walks out").error.isRetryable)
    }

    @Test("S3: a 5xx, throttling or lost connection is retried; a refusal (403, 404 bucket) is not")
    func s3Errors() {
        let refused = S3Error(operation: "GetObject", key: "a", status: 403, s3Code: "AccessDenied", message: "denied")
        #expect(refused.error.code == .storageRefused && !refused.error.isRetryable)
        let missingBucket = S3Error(operation: "PutObject", key: "a", status: 404, s3Code: "NoSuchBucket", message: "no bucket")
        #expect(!missingBucket.error.isRetryable)
        for status in [500, 503, 429, nil] as [Int?] {
            let passing = S3Error(operation: "PutObject", key: "a", status: status, s3Code: nil, message: "busy")
            #expect(passing.error.code == .storageError && passing.error.isRetryable, "\(String(describing: status))")
        }
    }
}

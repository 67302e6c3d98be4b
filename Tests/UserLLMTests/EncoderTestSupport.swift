import Foundation
import Tensor
import Timelines
import UserLLM
import XCTest

/// Real MovieLens-100K for the encoder and baseline tests, loaded once per test process.
/// Where: $USERLLM_TEST_DATA, else <package root>/../shared/data; missing = failure.
enum EncoderTestData {
    static var root: URL {
        if let env = ProcessInfo.processInfo.environment["USERLLM_TEST_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { break }
            dir = dir.deletingLastPathComponent()
        }
        return dir.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    struct Loaded {
        let dataset: Dataset
        let builder: ExampleBuilder
        let features: EventFeatures
    }

    private static let cached: Result<Loaded, Error> = Result {
        let dir = root.appendingPathComponent("movielens-100k")
        let dataset = try Dataset.load(from: dir, name: "movielens-100k")
        let builder = ExampleBuilder(dataset: dataset)
        return Loaded(dataset: dataset, builder: builder, features: EventFeatures(dataset: dataset))
    }

    static func movieLens100K() throws -> Loaded {
        switch cached {
        case .success(let loaded): return loaded
        case .failure(let error):
            XCTFail("MovieLens-100K must load from \(root.path)/movielens-100k: \(error)")
            throw error
        }
    }

    /// A micro encoder config for finite-difference checks.
    static let micro = EncoderConfig(dModel: 8, layers: 1, heads: 2, mlpHidden: 16, maxEvents: 6,
                                     itemDim: 4, categoryDim: 3, ratingDim: 2, dropout: 0)
}

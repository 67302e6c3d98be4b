import Foundation
import Timelines

/// Why a run could not be set up, resumed or loaded; each case names the file involved.
public enum RunError: Error, CustomStringConvertible {
    case badPreset(String)
    case badRun(String)
    case invalidOptions(String)
    case interrupted(stage: String, step: Int)

    public var description: String {
        switch self {
        case .badPreset(let s): return "bad preset: \(s)"
        case .badRun(let s): return "bad run directory: \(s)"
        case .invalidOptions(let s): return s
        case .interrupted(let stage, let step): return "interrupted in stage \(stage) at step \(step); the checkpoint is saved — run the same command to resume"
        }
    }

    /// A JSON decoding error as "key path: reason".
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing key '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            return "'\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': \(ctx.debugDescription)"
        case DecodingError.dataCorrupted(let ctx):
            // The parser's own sentence ("Unexpected character 'x' around line 3"), not
            // "The operation could not be completed (NSCocoaErrorDomain error 3840)".
            let detail = ctx.underlyingError.map { (($0 as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\($0)" } ?? ""
            let at = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return Excerpt.visible([at, ctx.debugDescription, detail].filter { !$0.isEmpty }.joined(separator: ": "), limit: 400)
        default:
            return Excerpt.visible("\(error)", limit: 400)
        }
    }
}

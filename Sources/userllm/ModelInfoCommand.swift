import ArgumentParser
import Foundation
import NN
import UserLLM

/// `userllm model info [--model NAME | --file PATH] [--json]`
struct ModelInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a GGUF file's metadata, tensor types, parameter count and bytes.",
        discussion: "Long arrays (the vocabulary, the merges) are summarised; --json prints the same as one object."
    )

    @Option(help: "A fetched model's name (default: \(PretrainedModel.known[0].name)).")
    var model: String?

    @Option(help: "Any GGUF file (instead of --model).")
    var file: String?

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @Flag(help: "Also list every tensor (name, type, dimensions, bytes).")
    var tensors = false

    func validate() throws {
        if model != nil && file != nil { throw ValidationError("give --model or --file, not both") }
    }

    /// Per type: tensors, elements, bytes, in descending bytes.
    struct TypeRow { var type: GGMLType; var count = 0; var parameters = 0; var bytes = 0 }

    func run() throws {
        let url: URL
        do { url = try ModelLocation.resolve(model: model, file: file) } catch let e as ModelLocation.NotFound {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        }
        let gguf: GGUFFile
        do {
            // Files with types we cannot decode still list (the table shows which).
            gguf = try GGUFFile(url: url, requireSupportedTypes: false)
        } catch let e as GGUFError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(1)
        }
        var rows: [GGMLType: TypeRow] = [:]
        for t in gguf.tensors {
            var r = rows[t.type] ?? TypeRow(type: t.type)
            r.count += 1
            r.parameters += t.elementCount
            r.bytes += t.byteCount
            rows[t.type] = r
        }
        let typeRows = rows.values.sorted { ($0.bytes, $0.type.name) > ($1.bytes, $1.type.name) }
        if json { try printJSON(gguf, typeRows) } else { printTables(gguf, typeRows) }
    }

    private func printTables(_ f: GGUFFile, _ typeRows: [TypeRow]) {
        print("\(f.url.path)")
        print("GGUF version \(f.version), \(TextTable.n(f.fileSize)) bytes, alignment \(f.alignment), tensor data from byte \(TextTable.n(f.dataOffset))")
        print("")
        print("Metadata (\(f.metadataKeys.count) keys):")
        // Values left-aligned (TextTable right-aligns numbers, which scatters a mixed column).
        let rows = f.metadataKeys.map { k -> (String, String, String) in
            let v = f.metadata[k]!
            let type = v.array.map { "\(v.typeName)[\($0.count)]" } ?? v.typeName
            return (k, type, v.summary(arrayLimit: 5, stringLimit: 80))
        }
        let keyWidth = rows.map(\.0.count).max() ?? 0
        let typeWidth = rows.map(\.1.count).max() ?? 0
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        for (k, t, v) in rows { print("  \(pad(k, keyWidth))  \(pad(t, typeWidth))  \(v)") }
        print("")
        print("Tensors (\(f.tensors.count)):")
        var table = typeRows.map { r in
            [r.type.name + (r.type.isSupported ? "" : " (unsupported)"), TextTable.n(r.count), TextTable.n(r.parameters),
             TextTable.n(r.bytes), String(format: "%.2f", Double(r.bytes * 8) / Double(max(r.parameters, 1)))]
        }
        table.append(["total", TextTable.n(f.tensors.count), TextTable.n(f.parameterCount), TextTable.n(f.tensorBytes),
                      String(format: "%.2f", Double(f.tensorBytes * 8) / Double(max(f.parameterCount, 1)))])
        print(TextTable.render(["type", "tensors", "parameters", "bytes", "bits/param"], table))
        if tensors {
            print("")
            print(TextTable.render(["tensor", "type", "dimensions (ne0 first)", "bytes", "offset"], f.tensors.map {
                [$0.name, $0.type.name, $0.dimensions.map(String.init).joined(separator: " × "), TextTable.n($0.byteCount), TextTable.n($0.offset)]
            }))
        }
        print("")
        print("Parameters: \(TextTable.n(f.parameterCount)); tensor bytes: \(TextTable.n(f.tensorBytes)) (\(String(format: "%.1f", Double(f.tensorBytes) / 1_048_576)) MiB)")
    }

    private func printJSON(_ f: GGUFFile, _ typeRows: [TypeRow]) throws {
        var metadata: [String: Any] = [:]
        for k in f.metadataKeys { metadata[k] = Self.jsonValue(f.metadata[k]!) }
        var object: [String: Any] = [
            "file": f.url.path,
            "fileBytes": f.fileSize,
            "version": Int(f.version),
            "alignment": f.alignment,
            "dataOffset": f.dataOffset,
            "metadataKeys": f.metadataKeys,
            "metadata": metadata,
            "tensorCount": f.tensors.count,
            "parameters": f.parameterCount,
            "tensorBytes": f.tensorBytes,
            "tensorTypes": typeRows.map { r -> [String: Any] in
                ["type": r.type.name, "supported": r.type.isSupported, "tensors": r.count, "parameters": r.parameters, "bytes": r.bytes]
            },
        ]
        if tensors {
            object["tensors"] = f.tensors.map { t -> [String: Any] in
                ["name": t.name, "type": t.type.name, "dimensions": t.dimensions, "offset": t.offset, "bytes": t.byteCount]
            }
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
        FileHandle.standardOutput.write(data)
        print("")
    }

    /// Scalars as themselves; arrays longer than 16 as {type, count, head} so the output
    /// stays readable (the full vocabulary is 49,152 strings).
    static func jsonValue(_ v: GGUFValue) -> Any {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b
        case .float32(let x): return Double(x)
        case .float64(let x): return x
        case .uint64(let x): return x
        case .array(let items):
            if items.count <= 16 { return items.map(jsonValue) }
            return ["type": v.typeName, "count": items.count, "head": items.prefix(8).map(jsonValue)] as [String: Any]
        default: return v.int ?? 0
        }
    }
}

import Foundation

extension Dataset {
    /// Loads the dataset in `directory`, detecting its format unless one is forced.
    /// Lenient by default: malformed lines are skipped and listed in `report`;
    /// `strict: true` throws `DatasetError.malformed` at the first one.
    public static func load(from directory: URL, format: DatasetFormat? = nil, strict: Bool = false,
                            name: String? = nil) throws -> Dataset {
        let format = try format ?? DatasetFormat.detect(in: directory)
        let context = LoadContext(strict: strict)
        let assembly = DatasetAssembly()
        let dir = directory.path
        switch format {
        case .recbole: try RecBoleLoader(directory: dir, context: context, into: assembly).load()
        case .movielens100k: try MovieLens100KLoader(directory: dir, context: context, into: assembly).load()
        case .movielens1m: try MovieLens1MLoader(directory: dir, context: context, into: assembly).load()
        case .movielensCSV: try MovieLensCSVLoader(directory: dir, context: context, into: assembly).load()
        case .amazon: try AmazonLoader(directory: dir, context: context, into: assembly).load()
        case .googleLocal: try GoogleLocalLoader(directory: dir, context: context, into: assembly).load()
        }
        if assembly.events.isEmpty && !context.eventFiles.isEmpty {
            throw DatasetError.noEvents(files: context.eventFiles, skipped: context.report.skipped,
                                        firstIssue: context.report.issues.first)
        }
        return assembly.build(name: name ?? directory.standardizedFileURL.lastPathComponent, domain: format.domain,
                              report: context.report, format: format, directory: dir)
    }

    /// Loads a dataset by name from `DatasetLocation.directory(for:)` (or `dataDir` when given).
    public static func load(named name: String, dataDir: URL? = nil, format: DatasetFormat? = nil,
                            strict: Bool = false) throws -> Dataset {
        let dir = dataDir ?? DatasetLocation.directory(for: name)
        guard FileManager.default.fileExists(atPath: dir.path) else {
            throw DatasetError.unknownDataset(name: name, looked: dir.path)
        }
        return try load(from: dir, format: format, strict: strict, name: dataDir == nil ? name : nil)
    }
}

/// What loaders fill in: users and items interned in first-seen order, events in file order.
final class DatasetAssembly {
    var userIDs = IDInterner()
    var userAttributes: [Int32: [String: String]] = [:]
    var itemIDs = IDInterner()
    var items: [Item] = []
    var events: [Event] = []

    /// Adds a catalogue entry; nil when its ID was already there (caller reports it).
    func addItem(rawID: String, name: String, categories: [String], attributes: [String: String] = [:]) -> Int32? {
        if itemIDs.lookup(rawID) != nil { return nil }
        let idx = itemIDs.intern(rawID)
        items.append(Item(rawID: rawID, name: name, categories: categories, attributes: attributes))
        return idx
    }

    /// The item for a raw ID seen only in events (formats whose catalogue is optional).
    func itemSeenInEvent(_ raw: UnsafeBufferPointer<UInt8>) -> Int32? {
        if let idx = itemIDs.lookup(raw) { return idx }
        guard let idx = itemIDs.intern(raw) else { return nil }
        let rawID = itemIDs.rawIDs[Int(idx)]
        items.append(Item(rawID: rawID, name: rawID))
        return idx
    }

    func build(name: String, domain: Domain, report: LoadReport, format: DatasetFormat, directory: String) -> Dataset {
        let users = userIDs.rawIDs.enumerated().map { i, raw in
            User(rawID: raw, attributes: userAttributes[Int32(i)] ?? [:])
        }
        return Dataset(name: name, domain: domain, users: users, items: items, events: events,
                       report: report, format: format, directory: directory)
    }

    /// Reserves event storage from the file size so a 20M-row file is not copied while growing.
    func reserveEvents(forFile path: String, bytesPerLine: Int) {
        if let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int, size > 0 {
            let gz = path.hasSuffix(".gz") ? 4 : 1
            events.reserveCapacity(events.count + size * gz / bytesPerLine + 16)
        }
    }
}

/// The first file in `directory` whose name satisfies `match`, as a full path.
func findFile(_ directory: String, _ candidates: [String]) -> String? {
    for c in candidates {
        for suffix in ["", ".gz"] {
            let p = directory + "/" + c + suffix
            if FileManager.default.fileExists(atPath: p) { return p }
        }
    }
    return nil
}

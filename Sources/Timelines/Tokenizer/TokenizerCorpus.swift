/// The text a dataset's tokenizer is trained on (DESIGN §3): one sentence per catalogue
/// item, e.g. "Toy Story (1995) is an Animation, Children's, Comedy movie.", plus the
/// review texts and summaries of the events given (the training split's, so no test
/// review leaks into the vocabulary).
public enum TokenizerCorpus {
    public static func texts(for dataset: Dataset, reviewsOf events: [Event] = []) -> [String] {
        var texts = dataset.items.map { catalogueSentence($0, domain: dataset.domain) }
        for event in events {
            if let text = event.text, !text.isEmpty { texts.append(text) }
            if let summary = event.summary, !summary.isEmpty { texts.append(summary) }
        }
        return texts
    }

    /// "Toy Story (1995) is an Animation, Children's, Comedy movie."; an item without
    /// categories is "Name is a movie." (product, place).
    public static func catalogueSentence(_ item: Item, domain: Domain) -> String {
        let noun: String
        switch domain {
        case .movies: noun = "movie"
        case .products: noun = "product"
        case .places: noun = "place"
        }
        let description = item.categories.isEmpty ? noun : item.categories.joined(separator: ", ") + " " + noun
        let article = description.first.map { "AEIOUaeiou".contains($0) } == true ? "an" : "a"
        return "\(item.name) is \(article) \(description)."
    }
}

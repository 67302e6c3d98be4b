/// Text for pretraining the LLM as a causal LM (DESIGN §4): one sentence per catalogue
/// item, plus review texts of the training split (never validation/test reviews).
public enum TextCorpus {
    /// "Toy Story (1995) is an Animation, Children's, Comedy movie." — items without a
    /// category get "X is a movie."
    public static func catalogueSentences(_ dataset: Dataset) -> [String] {
        let noun: String
        switch dataset.domain {
        case .movies: noun = "movie"
        case .products: noun = "product"
        case .places: noun = "place"
        }
        return dataset.items.map { item in
            let described = item.categories.isEmpty ? noun : item.categories.joined(separator: ", ") + " " + noun
            return "\(item.name) is \(article(described)) \(described)."
        }
    }

    /// Catalogue sentences followed by the training reviews.
    public static func pretrainingTexts(_ builder: ExampleBuilder) -> [String] {
        catalogueSentences(builder.dataset) + builder.trainingReviewTexts()
    }

    static func article(_ word: String) -> String {
        guard let first = word.lowercased().first else { return "a" }
        return "aeiou".contains(first) ? "an" : "a"
    }
}

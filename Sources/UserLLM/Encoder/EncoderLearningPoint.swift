/// One validation of encoder pretraining: where the stage was (step, wall seconds since
/// it started, of which `validationSeconds` were spent validating) and how well the item
/// head ranked each validation user's next item (full catalogue, history masked).
/// The list of them is the learning curve, saved in metrics.json under the encoder stage.
public struct EncoderLearningPoint: Codable, Equatable, Sendable {
    public var step: Int
    /// Windows trained on so far, over the windows of one epoch.
    public var epochs: Double
    public var seconds: Double
    public var validationSeconds: Double
    public var ndcg10: Double
    public var recall10: Double

    public init(step: Int, epochs: Double, seconds: Double, validationSeconds: Double, ndcg10: Double, recall10: Double) {
        self.step = step
        self.epochs = epochs
        self.seconds = seconds
        self.validationSeconds = validationSeconds
        self.ndcg10 = ndcg10
        self.recall10 = recall10
    }
}

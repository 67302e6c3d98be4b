/// `split.json` of an export: the protocol, the tie rule and, per user, the validation and
/// test item (raw IDs), so anyone can check that their tool picked the same targets.
public struct SplitManifest: Codable, Equatable, Sendable {
    public struct UserTargets: Codable, Equatable, Sendable {
        public var user: String
        /// Events in the user's timeline (training events are all but the last two).
        public var events: Int
        /// Raw item ID of the validation target (second-to-last event); nil below 3 events.
        public var validation: String?
        /// Raw item ID of the test target (last event); nil below 2 events.
        public var test: String?

        public init(user: String, events: Int, validation: String?, test: String?) {
            self.user = user
            self.events = events
            self.validation = validation
            self.test = test
        }
    }

    public var dataset: String
    /// "leave-last-out": per user the last event is test, the one before validation.
    public var protocolName: String
    public var tieRule: String
    /// How the .inter timestamps were made strictly increasing per user.
    public var timestampRule: String
    /// Events whose timestamp the export moved (ties, and the events pushed on by them).
    public var shiftedEvents: Int
    public var users: [UserTargets]

    public init(dataset: String, protocolName: String = "leave-last-out", tieRule: String, timestampRule: String,
                shiftedEvents: Int, users: [UserTargets]) {
        self.dataset = dataset
        self.protocolName = protocolName
        self.tieRule = tieRule
        self.timestampRule = timestampRule
        self.shiftedEvents = shiftedEvents
        self.users = users
    }

    private enum CodingKeys: String, CodingKey {
        case dataset, protocolName = "protocol", tieRule, timestampRule, shiftedEvents, users
    }

    /// The targets our own split picks (`LeaveLastOutSplit` over `Timelines`).
    public init(dataset: Dataset, timelines: Timelines, timestampRule: String, shiftedEvents: Int) {
        let split = LeaveLastOutSplit(timelines: timelines)
        let users = (0..<Int32(timelines.count)).map { u -> UserTargets in
            let t = timelines[u]
            func item(_ position: Int?) -> String? {
                position.map { dataset.items[Int(dataset.events[Int(t.events[$0])].item)].rawID }
            }
            return UserTargets(user: dataset.users[Int(u)].rawID, events: t.count,
                               validation: item(split.validationTarget(u)), test: item(split.testTarget(u)))
        }
        self.init(dataset: dataset.name, tieRule: LeaveLastOutSplit.tieRule, timestampRule: timestampRule,
                  shiftedEvents: shiftedEvents, users: users)
    }
}

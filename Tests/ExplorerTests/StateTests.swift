import XCTest
import Explorer
import Timelines

final class StateTests: XCTestCase {
    let data = ExplorerData(dataset: FixtureDataset.make())

    func keys(_ s: ExplorerState, _ ks: [Key]) -> ExplorerState {
        ks.reduce(s) { $0.applying(.key($1), data: data) }
    }

    func rawID(_ s: ExplorerState) -> String? { s.selectedUser.map { data.dataset.users[Int($0)].rawID } }

    func testTimelinesAreSortedStably() {
        // User "10": events 3 and 4 share day 2; file order (item 2 before item 3) decides.
        let items = data.timelines[0].map { data.dataset.events[Int($0)].item }
        XCTAssertEqual(items, [0, 1, 2, 3, 4, 5, 6])
        // User "2" was written newest first; the timeline is oldest first.
        let ts = data.timelines[1].map { data.dataset.events[Int($0)].timestamp }
        XCTAssertEqual(ts, ts.sorted())
    }

    func testInitialStateSelectsFirstUserByNumericIDWithCutAtLastEvent() {
        let s = ExplorerState.initial(data: data, width: 80, height: 24)
        XCTAssertEqual(rawID(s), "2")  // numeric order: 2, 7, 10, 30
        XCTAssertEqual(s.cut, 11)
        XCTAssertEqual(s.focus, .users)
    }

    func testUserNavigationAndSort() {
        var s = ExplorerState.initial(data: data, width: 80, height: 24)
        s = keys(s, [.char("j"), .down])
        XCTAssertEqual(rawID(s), "10")
        XCTAssertEqual(s.cut, 6)
        s = keys(s, [.end])
        XCTAssertEqual(rawID(s), "30")
        s = keys(s, [.char("k"), .home])
        XCTAssertEqual(rawID(s), "2")
        s = keys(s, [.char("s")])
        XCTAssertEqual(s.sort, .length)
        XCTAssertEqual(data.visibleUsers(filter: "", sort: .length).map { data.dataset.users[Int($0)].rawID }, ["2", "10", "7", "30"])
    }

    func testCutMovesAndClamps() {
        var s = ExplorerState.initial(data: data, width: 80, height: 24)  // user 2, 12 events
        s = keys(s, [.char("h"), .left, .char("h")])
        XCTAssertEqual(s.cut, 8)
        XCTAssertEqual(s.timelineCursor, 8)
        s = keys(s, Array(repeating: .char("l"), count: 10))
        XCTAssertEqual(s.cut, 11)  // the last event
        s = keys(s, Array(repeating: .char("h"), count: 20))
        XCTAssertEqual(s.cut, 1)  // at least one history event
        let q = data.query(user: s.selectedUser!, cut: s.cut, task: .nextItem)!
        XCTAssertEqual(q.history.count, 1)
        XCTAssertEqual(q.expected, data.item(of: data.event(user: s.selectedUser!, position: 1)).name)
    }

    func testTimelineCursorAndEnterSetsCut() {
        var s = ExplorerState.initial(data: data, width: 80, height: 24)
        s = keys(s, [.tab])
        XCTAssertEqual(s.focus, .timeline)
        s = keys(s, [.char("k"), .char("k"), .char("k"), .enter])
        XCTAssertEqual(s.cut, 8)
        s = keys(s, [.tab, .tab])
        XCTAssertEqual(s.focus, .users)
        s = keys(s, [.backTab])
        XCTAssertEqual(s.focus, .detail)
    }

    func testFilterTypingKeepsAndClears() {
        var s = ExplorerState.initial(data: data, width: 80, height: 24)
        s = keys(s, [.char("/"), .char("w"), .char("r"), .char("i")])
        XCTAssertTrue(s.editingFilter)
        XCTAssertEqual(s.filter, "wri")
        XCTAssertEqual(rawID(s), "7")  // the writer
        // While typing, keys are text: "q" does not quit.
        s = keys(s, [.char("q"), .backspace, .enter])
        XCTAssertFalse(s.quit)
        XCTAssertFalse(s.editingFilter)
        XCTAssertEqual(data.visibleUsers(filter: s.filter, sort: s.sort).count, 1)
        s = keys(s, [.escape])
        XCTAssertEqual(s.filter, "")
        XCTAssertEqual(rawID(s), "7")  // still selected
        s = keys(s, [.char("/"), .char("z"), .char("z")])
        XCTAssertNil(s.selectedUser)
        s = keys(s, [.escape])
        XCTAssertEqual(rawID(s), "2")
    }

    func testTabsGatesAttentionAndAttentionKeys() {
        var s = ExplorerState.initial(data: data, width: 80, height: 24)
        s = keys(s, [.char("2")])
        XCTAssertEqual(s.task, .favoriteGenre)
        s = keys(s, [.char("g")])
        XCTAssertEqual(s.detail, .gates)
        s = keys(s, [.char("3")])
        XCTAssertEqual(s.detail, .tasks)
        XCTAssertEqual(s.task, .review)
        s = keys(s, [.char("a"), .backTab])
        XCTAssertEqual(s.detail, .attention)
        XCTAssertEqual(s.keyContext, .attention)
        s.attentionLayers = 3
        s.attentionHeads = 2
        s.attentionColumns = 5
        let cut = s.cut
        s = keys(s, [.char("]"), .char("]"), .char("]")])
        XCTAssertEqual(s.attention.layer, 0)  // wraps after 3 layers
        s = keys(s, [.char("[")])
        XCTAssertEqual(s.attention.layer, 2)
        s = keys(s, [.char("+")])
        XCTAssertEqual(s.attention.head, 0)
        s = keys(s, [.char("+"), .char("+")])
        XCTAssertNil(s.attention.head)  // back to the mean
        s = keys(s, [.char("-")])
        XCTAssertEqual(s.attention.head, 1)
        s = keys(s, [.right, .char("l"), .char("l"), .char("l"), .char("l"), .char("l")])
        XCTAssertEqual(s.attention.column, 4)  // clamped to the columns
        XCTAssertEqual(s.cut, cut)  // ← → hover columns here, not the cut
        s = keys(s, [.tab, .char("h")])
        XCTAssertEqual(s.cut, cut - 1)  // elsewhere they move the cut
    }

    func testHelpOverlayAndQuit() {
        var s = ExplorerState.initial(data: data, width: 80, height: 24)
        s = keys(s, [.char("?")])
        XCTAssertTrue(s.showHelp)
        s = keys(s, [.char("j"), .char("j")])
        XCTAssertEqual(s.helpScroll, 2)
        s = keys(s, [.char("q")])  // closes help, does not quit
        XCTAssertFalse(s.showHelp)
        XCTAssertFalse(s.quit)
        s = keys(s, [.char("q")])
        XCTAssertTrue(s.quit)
    }

    func testResizeKeepsCursorVisible() {
        var s = ExplorerState.initial(data: data, width: 160, height: 48)
        s = keys(s, [.tab, .home])
        XCTAssertEqual(s.timelineCursor, 0)
        s = s.applying(.resize(width: 80, height: 24), data: data)
        XCTAssertEqual(s.layout.width, 80)
        s = keys(s, [.end])
        XCTAssertGreaterThanOrEqual(s.timelineCursor, s.timelineOffset)
        XCTAssertLessThan(s.timelineCursor, s.timelineOffset + s.timelineRows)
    }

    func testMouseClickSelectsUserAndWheelScrolls() {
        var s = ExplorerState.initial(data: data, width: 80, height: 24)
        let users = s.layout.users
        // Row 0 of the table is at frame top + header: y = users.y + 2.
        s = s.applying(.mouse(MouseEvent(kind: .click, x: users.x + 3, y: users.y + 2 + 2)), data: data)
        XCTAssertEqual(rawID(s), "10")
        s = s.applying(.mouse(MouseEvent(kind: .wheelDown, x: users.x + 3, y: users.y + 3)), data: data)
        XCTAssertEqual(rawID(s), "30")
        let tl = s.layout.timeline
        s = s.applying(.mouse(MouseEvent(kind: .click, x: tl.x + 5, y: tl.y + 2)), data: data)
        XCTAssertEqual(s.focus, .timeline)
    }

    func testFavouriteGenreRuleTiesGoToTheMostRecent() {
        XCTAssertEqual(ExplorerData.mostFrequent([["Drama"], ["Comedy"], ["Drama", "Comedy"]]), "Drama")  // same event: listed first
        XCTAssertEqual(ExplorerData.mostFrequent([["Comedy", "Drama"], ["Drama", "Comedy"]]), "Drama")
        XCTAssertEqual(ExplorerData.mostFrequent([["Comedy"], ["Drama"]]), "Drama")  // tie: most recent
        XCTAssertEqual(ExplorerData.mostFrequent([["Drama"], ["Drama"], ["Comedy"]]), "Drama")
        XCTAssertNil(ExplorerData.mostFrequent([]))
    }
}

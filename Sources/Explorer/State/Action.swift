/// What a key does. The keymap maps keys to actions per context; `ExplorerState.apply`
/// carries them out.
public enum Action: Hashable, Sendable {
    case quit
    case toggleHelp
    case focusNext, focusPrevious
    case moveUp, moveDown, pageUp, pageDown, first, last
    case cutEarlier, cutLater, cutToCursor
    case startFilter, cycleSort
    case showTask(ExplorerTask)
    case showGates, showAttention
    case layerPrevious, layerNext, headNext, headPrevious
    case columnPrevious, columnNext
    case toggleLatents
    case toggleTraining
    case switchBackbone
    case cancel
}

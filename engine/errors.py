"""One exception tree for everything the engine refuses. Messages are Chinese: users read them."""


class LiandongError(Exception):
    """Base of every refusal. `message` is shown to the user; nothing was changed."""

    status = 400

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(LiandongError):
    status = 404


class UnknownProcess(NotFound):
    pass


class UnknownTask(NotFound):
    pass


class NotCandidate(LiandongError):
    """The user may not act on this task."""

    status = 403


class StaleTask(LiandongError):
    """The task changed since the user saw it (completed, claimed, handed over)."""

    status = 409


class InvalidState(LiandongError):
    status = 409


class Busy(LiandongError):
    """Someone else's step holds the matter longer than a request may wait for it."""

    status = 503

    def __init__(self, message: str = "事项正在被他人办理，请稍后重试"):
        super().__init__(message)


class FormInvalid(LiandongError):
    status = 422

    def __init__(self, errors: dict[str, str], message: str = "表单填写有误，请按提示修改"):
        super().__init__(message, errors=errors)
        self.errors = errors


class DeploymentError(LiandongError):
    """A file could not be deployed. `problems` lists (file, line, element, reason)."""

    status = 422

    def __init__(self, problems: list[dict]):
        first = problems[0]
        where = first.get("file", "")
        if first.get("line"):
            where += f" 第{first['line']}行"
        if first.get("element"):
            where += f" 元素 {first['element']}"
        super().__init__(f"部署失败：{where}：{first['reason']}", problems=problems)
        self.problems = problems


class CalendarError(LiandongError):
    pass


class ScriptError(LiandongError):
    """A BPMN expression or script failed or did something it may not."""

    status = 500


class DirectoryError(LiandongError):
    pass

"""`liandong`: the command line for administrators and scripts.

Every command runs in one transaction; a refused command prints why (in Chinese) and exits non-zero
with nothing changed.
"""
import argparse
import getpass
import json
import logging
import os
import sys
import time
from pathlib import Path

from . import auth_sessions, db, input_text, management, worker
from .budget import SandboxRefusal
from .bootstrap import PROCESSES, bootstrap
from .clock import from_environment, local
from .errors import DeploymentError, DirectoryError, FormInvalid, LiandongError
from .models import Person
from .services import Liandong


def _session():
    engine = db.make_engine()
    return engine, db.session_factory(engine)()


def _run(action):
    engine, session = _session()
    try:
        with session.begin():
            return action(Liandong(session, from_environment()))
    except SandboxRefusal as err:  # the step rolled back; its matter is marked 出错 with the reason
        with session.begin():
            Liandong(session, from_environment()).management.record_refusal(err)
        raise
    finally:
        session.close()
        engine.dispose()


def cmd_init(args):
    result = bootstrap(processes=Path(args.processes), clock=from_environment())
    print(f"数据库：{db.database_url()}")
    print(f"工作日历年度：{len(result['calendar_years'])} 个新年度；目录：{result['directory']}")
    for d in result["deployed"]:
        print(f"已部署 {d.kind} {d.key} 版本 {d.version}")


def operator() -> str:
    """Who runs the command line: the operating-system account (the command line is for operators,
    who may deploy every kind of file, document templates included; the log records who did)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        login = str(os.getuid())
    return f"operator:{login}"[:64]


def cmd_deploy(args):
    paths = [Path(name) for name in args.paths]
    user = args.user or operator()
    if len(paths) == 1 and paths[0].is_dir():
        folder = paths[0]
        return _print_deployed(_run(lambda e: e.repository.deploy_directory(folder, user, args.as_new_version)))
    unreadable = [{"file": str(path), "reason": "是目录：部署目录时只写这一个目录，否则逐个列出文件" if path.is_dir()
                   else "找不到该文件"} for path in paths if not path.is_file()]
    if unreadable:  # every one named in one round, before anything is read
        raise DeploymentError(unreadable)
    files = [(path.name, path.read_bytes()) for path in paths]
    _print_deployed(_run(lambda e: e.repository.deploy(files, user, as_new_version=args.as_new_version)))


def _print_deployed(results):
    for d in results:
        print(f"{d.kind} {d.key} 版本 {d.version}" + ("（新版本）" if d.changed else "（未变化）"))


def cmd_definitions(_args):
    def show(e):
        for row in e.repository.processes():
            print(f"{row.key}\t版本 {row.version}\t{row.name}\t{local(row.deployed_at):%Y-%m-%d %H:%M} {row.deployed_by}")
    _run(show)


def _data(text: str) -> dict:
    """--data: a JSON object whose texts follow the rules of engine/input_text.py."""
    data = json.loads(text)
    if not isinstance(data, dict):
        raise FormInvalid({"data": "--data 必须是 JSON 对象"}, "--data 必须是 JSON 对象")
    input_text.refuse_invalid(input_text.strings(data, "data"))
    return data


def _row_id(text: str) -> int:
    """A task id or revision: a whole number the database's INTEGER columns can hold."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数") from None
    if not 0 <= number <= input_text.INT_MAX:
        raise argparse.ArgumentTypeError(f"{text} 超出范围（0–{input_text.INT_MAX}）")
    return number


def cmd_start(args):
    data = _data(args.data)
    instance = _run(lambda e: e.runtime.start(args.process, data, _known(e, args.user)))
    print(f"已发起事项 {instance.id}（{instance.process_name}）")


def cmd_tasks(args):
    def show(e):
        for task, instance in e.tasks.inbox(args.user, args.scope):
            due = local(task.due_at).strftime("%Y-%m-%d %H:%M") if task.due_at else "-"
            print(f"{task.id}\t修订 {task.revision}\t{instance.process_name}\t{task.name}\t{instance.subject}\t期限 {due}")
    _run(show)


def cmd_complete(args):
    data = _data(args.data)
    result = _run(lambda e: e.tasks.complete(args.task, args.user, data, args.revision))
    print(f"已办理任务 {args.task}；事项状态：{result.instance_status}")
    for task in result.next_tasks:
        print(f"下一步：{task.name}（{task.assignee or '待认领'}）")


def cmd_timers(args):
    engine = db.make_engine()  # one connection pool for the worker's whole life
    try:
        while True:
            fired, swept = worker.run_due(db.session_factory(engine), from_environment(), batch=args.batch)
            if fired or swept:
                print(f"已处理：{fired} 个事项的到期定时器，{swept} 项预警和超时处理", flush=True)
            if not args.loop:
                return
            time.sleep(args.interval)
    finally:
        engine.dispose()


def cmd_import_calendar(args):
    text = Path(args.file).read_text(encoding="utf-8")
    result = _run(lambda e: e.management.import_calendar(text, f"导入：{Path(args.file).name}", args.user))
    print(management.import_summary(result))


def cmd_verify_log(_args):
    problems = _run(lambda e: e.history.verify())
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print("事件日志完整，哈希链校验通过")


def cmd_sign_out(args):
    ended = _run(lambda e: auth_sessions.revoke_person(e.db, _known(e, args.person), e.clock.now()))
    print(f"已注销 {args.person} 的 {ended} 处登录和接口令牌")


def cmd_deactivate(args):
    _run(lambda e: auth_sessions.set_active(e.db, _known(e, args.person), args.undo, e.clock.now()))
    print(f"已启用 {args.person}" if args.undo else f"已停用 {args.person}，其登录和接口令牌均已失效")


def cmd_set_password(args):
    new = sys.stdin.readline().rstrip("\n") if args.stdin else getpass.getpass("新密码：")
    confirm = new if args.stdin else getpass.getpass("再次输入：")
    ended = _run(lambda e: auth_sessions.set_password(e.db, _known(e, args.person), new, confirm, e.clock.now()))
    print(f"已为 {args.person} 设置新密码；已注销其 {ended} 处登录和接口令牌")


def _known(e, person_id: str) -> str:
    if e.db.get(Person, person_id) is None:
        raise DirectoryError(f"目录中没有人员“{person_id}”")
    return person_id


def cmd_one_time_password(args):
    from . import passwords

    plain = _run(lambda e: passwords.issue_one_time(e.db, args.person))
    print(f"{args.person} 的一次性密码：{plain}（仅显示这一次；首次登录后须设置本人密码）")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="liandong", description="审管联动 命令行")
    p.add_argument("--json", action="store_true", help="出错时以 JSON 输出原因（供脚本使用）")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("init", help="建库、导入工作日历和目录、部署流程")
    s.add_argument("--processes", default=str(PROCESSES))
    s.set_defaults(func=cmd_init)
    s = sub.add_parser("deploy", help="部署 BPMN/DMN/表单/公文模板文件或目录")
    s.add_argument("paths", nargs="+")
    s.add_argument("--user", default=None, help="记录的部署人（默认：operator:操作系统账号）")
    s.add_argument("--as-new-version", action="store_true",
                   help="确认：文件名或流程名称与已部署的不同，仍作为该流程 id 的新版本部署")
    s.set_defaults(func=cmd_deploy)
    s = sub.add_parser("definitions", help="列出已部署流程")
    s.set_defaults(func=cmd_definitions)
    s = sub.add_parser("start", help="发起事项")
    s.add_argument("process")
    s.add_argument("--user", required=True)
    s.add_argument("--data", default="{}", help="JSON")
    s.set_defaults(func=cmd_start)
    s = sub.add_parser("tasks", help="列出待办")
    s.add_argument("--user", required=True)
    s.add_argument("--scope", choices=["mine", "group"], default="mine")
    s.set_defaults(func=cmd_tasks)
    s = sub.add_parser("complete", help="办理任务")
    s.add_argument("task", type=_row_id)
    s.add_argument("--user", required=True)
    s.add_argument("--revision", type=_row_id, required=True)
    s.add_argument("--data", default="{}", help="JSON")
    s.set_defaults(func=cmd_complete)
    s = sub.add_parser("timers", help="触发到期定时器")
    s.add_argument("--loop", action="store_true", help="持续运行")
    s.add_argument("--interval", type=float, default=10.0)
    s.add_argument("--batch", type=int, default=50)
    s.set_defaults(func=cmd_timers)
    s = sub.add_parser("import-calendar", help="导入年度节假日安排")
    s.add_argument("file")
    s.add_argument("--user", default="admin")
    s.set_defaults(func=cmd_import_calendar)
    s = sub.add_parser("sign-out", help="注销某人的全部登录和接口令牌")
    s.add_argument("person")
    s.set_defaults(func=cmd_sign_out)
    s = sub.add_parser("deactivate", help="停用某人（同时注销其登录和接口令牌）")
    s.add_argument("person")
    s.add_argument("--undo", action="store_true", help="重新启用")
    s.set_defaults(func=cmd_deactivate)
    s = sub.add_parser("set-password", help="为某人设置新密码（同时注销其登录和接口令牌）")
    s.add_argument("person")
    s.add_argument("--stdin", action="store_true", help="从标准输入读取一行作为新密码")
    s.set_defaults(func=cmd_set_password)
    s = sub.add_parser("one-time-password", help="为新任人员发放一次性密码（首次登录须修改）")
    s.add_argument("person")
    s.set_defaults(func=cmd_one_time_password)
    s = sub.add_parser("verify-log", help="校验事件日志哈希链")
    s.set_defaults(func=cmd_verify_log)
    return p


def _refuse(args, kind: str, message: str, **details) -> None:
    """Say why the command was refused and exit 2; `--json` says it as one JSON object for scripts."""
    if args.json:
        print(json.dumps({"error": {"kind": kind, "message": message, **details}}, ensure_ascii=False),
              file=sys.stderr)
    else:
        print(f"错误：{message}", file=sys.stderr)
        for where, reason in details.get("errors", {}).items():
            print(f"  {where}：{reason}", file=sys.stderr)
    sys.exit(2)


def main(argv=None) -> None:
    logging.basicConfig(level=logging.WARNING)
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except DeploymentError as err:
        if args.json:
            _refuse(args, "DeploymentError", err.message, problems=err.problems)
        for problem in err.problems:
            where = " ".join(str(problem.get(k)) for k in ("file", "line", "element") if problem.get(k))
            print(f"错误：{where}：{problem['reason']}", file=sys.stderr)
        sys.exit(2)
    except LiandongError as err:
        errors = getattr(err, "errors", None)  # FormInvalid's field messages
        _refuse(args, type(err).__name__, err.message, **({"errors": errors} if errors else {}))
    except (json.JSONDecodeError, FileNotFoundError) as err:
        _refuse(args, "InvalidInput", f"输入无效：{err}")


if __name__ == "__main__":
    main()

import time, datetime as dt
from luoshi.intake.tests.test_excel import NOW
from luoshi.intake import services

def test_prof(intake, travel, cast, city):
    with travel(NOW):
        checked = [services.request_check(data=services.RequestInput(category=intake["categories"]["0101"], channel=intake["channels"]["12345"],
                    description=f"海尔路路灯不亮，已经好几天了 {i}", area=city["street_a"], name="李明", phone="13812345678",
                    external_id=f"X{i}", received_at=dt.datetime(2026,3,2,9,30,tzinfo=dt.timezone.utc))) for i in range(10000)]
        t = time.perf_counter()
        p = services.request_rows_prepare(checked=checked, by=None)
        t1 = time.perf_counter()
        services.request_write_many(prepared=p)
        print("prepare", t1 - t, "write", time.perf_counter() - t1)

import pytest

from manuals.services import (
    category_ensure,
    item_create,
    manual_root_ensure,
    manual_workflow_ensure,
)

DIBAO = {
    "code": "T-01",
    "title": "最低生活保障申请",
    "keywords": "低保",
    "legal_nature": "行政给付",
    "handling_type": "referred",
    "decided_at": "district",
    "accepted_at": "community",
    "applicant": "本地户籍的困难家庭",
    "promised_days": 30,
    "legal_days": 45,
    "is_free": True,
    "can_proxy": True,
    "conditions": [
        {"text": "家庭成员户籍在本区。", "kind": "required", "parameter": ""},
        {
            "text": "家庭月人均收入低于当地低保标准。",
            "kind": "required",
            "parameter": "",
        },
        {"text": "家庭财产符合当地规定。", "kind": "required", "parameter": ""},
    ],
    "materials": [
        {
            "name": "户口簿",
            "form": "original",
            "copies": 1,
            "necessity": "required",
            "note": "",
        },
        {
            "name": "收入证明",
            "form": "original",
            "copies": 1,
            "necessity": "deferrable",
            "note": "",
        },
    ],
    "steps": [
        {
            "name": "受理",
            "actor": "社区",
            "days": 1,
            "counts_in_limit": True,
            "description": "",
        },
        {
            "name": "审批",
            "actor": "区民政",
            "days": 20,
            "counts_in_limit": True,
            "description": "",
        },
    ],
    "legal_basis": [
        {
            "title": "《社会救助暂行办法》",
            "doc_number": "国务院令第649号",
            "article": "",
        }
    ],
    "faq": [{"question": "有车能申请吗？", "answer": "看财产标准，见第3条。"}],
}

YOUHUI = {
    "code": "T-02",
    "title": "老年人优待证办理",
    "handling_type": "instant",
    "decided_at": "street",
    "applicant": "年满60周岁的老人",
    "promised_days": 0,
    "conditions": [
        {"text": "年满60周岁。", "kind": "required", "parameter": "年龄≥60"},
        {"text": "本地户籍或常住。", "kind": "required", "parameter": ""},
    ],
    "materials": [
        {
            "name": "身份证",
            "form": "original",
            "copies": 1,
            "necessity": "required",
            "note": "",
        }
    ],
}


@pytest.fixture
def manual(db, org):
    root = manual_root_ensure()
    manual_workflow_ensure(root=root)
    social = category_ensure(root=root, code="SH", title="社会事务类", slug="shehui")
    family = category_ensure(root=root, code="JS", title="计划生育类", slug="jisheng")
    return {
        "root": root,
        "social": social,
        "family": family,
        "dibao": item_create(category=social, data=DIBAO),
        "youhui": item_create(category=social, data=YOUHUI),
    }

# The durable SMS outbox; outbox bodies encrypted at rest (docs/adr/0002-durable-notifications.md).

import uuid
from django.db import migrations, models


def encrypt_outbox_bodies(apps, schema_editor):
    from tongban.core.crypto import encrypt_text

    OutboxMessage = apps.get_model("core", "OutboxMessage")
    for row in OutboxMessage.objects.exclude(body="").only("pk", "body").iterator():
        OutboxMessage.objects.filter(pk=row.pk).update(body_encrypted=encrypt_text(row.body))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_seed_work_calendar"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="body_encrypted",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(encrypt_outbox_bodies, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name="outboxmessage",
            name="body",
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="key",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.CreateModel(
            name="SmsMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("user_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("phone", models.CharField(max_length=32)),
                ("kind", models.CharField(choices=[("otp", "验证码"), ("notice", "通知")], max_length=10)),
                ("body_encrypted", models.TextField(blank=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "待发送"),
                            ("sending", "发送中"),
                            ("sent", "已发送"),
                            ("failed", "发送失败"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("last_error", models.CharField(blank=True, max_length=200)),
                ("enqueued_at", models.DateTimeField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("expires_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "短信",
                "verbose_name_plural": "短信",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["status", "enqueued_at"], name="core_smsmes_status_5b754f_idx")
                ],
            },
        ),
    ]

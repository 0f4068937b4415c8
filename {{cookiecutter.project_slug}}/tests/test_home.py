"""The front page answers, so the address the next-steps message gives is not a 404."""

from django.urls import reverse


def test_home_page_links_to_the_admin_and_health(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "{{ cookiecutter.project_name }}" in page
    assert f'href="{reverse("admin:index")}"' in page
    assert f'href="{reverse("health")}"' in page


def test_home_page_only_answers_reads(client):
    assert client.post("/").status_code == 405

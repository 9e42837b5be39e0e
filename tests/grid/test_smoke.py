def test_home_page_shows_the_directories(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "部门职能查询" in response.content.decode()
